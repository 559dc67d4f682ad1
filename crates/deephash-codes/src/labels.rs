/// Class labels of a set of items: one class each, or several (multi-label).
///
/// Two items are *relevant* to each other when they share at least one label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Labels {
    /// One class id per item.
    Single(Vec<i64>),
    /// A row-major `len × classes` 0/1 matrix: item `i` has class `c` when
    /// `matrix[i * classes + c]` is true.
    Multi { classes: usize, matrix: Vec<bool> },
}

impl Labels {
    /// Number of labelled items.
    pub fn len(&self) -> usize {
        match self {
            Labels::Single(ids) => ids.len(),
            Labels::Multi { classes, matrix } => matrix.len().checked_div(*classes).unwrap_or(0),
        }
    }

    /// True when no item is labelled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether item `a` of `self` and item `b` of `other` share a label.
    /// Single- and multi-label sets are not comparable and never relevant.
    pub fn relevant(&self, a: usize, other: &Labels, b: usize) -> bool {
        match (self, other) {
            (Labels::Single(x), Labels::Single(y)) => x[a] == y[b],
            (
                Labels::Multi {
                    classes: c1,
                    matrix: m1,
                },
                Labels::Multi {
                    classes: c2,
                    matrix: m2,
                },
            ) => {
                let c = (*c1).min(*c2);
                (0..c).any(|k| m1[a * c1 + k] && m2[b * c2 + k])
            }
            _ => false,
        }
    }

    /// The label of item `row` as text: its class, or its classes joined by `,` (multi-label),
    /// each named by `class_names` when it has a name there, else by its id. Empty when
    /// `row` is out of range. Used wherever a label is shown (query, serve, reports).
    pub fn text(&self, row: usize, class_names: &[String]) -> String {
        let name = |c: i64| {
            usize::try_from(c)
                .ok()
                .and_then(|i| class_names.get(i))
                .cloned()
                .unwrap_or_else(|| c.to_string())
        };
        match self {
            Labels::Single(ids) => ids.get(row).map(|&c| name(c)).unwrap_or_default(),
            Labels::Multi { classes, matrix } => (0..*classes)
                .filter(|&c| matrix.get(row * classes + c).copied().unwrap_or(false))
                .map(|c| name(c as i64))
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relevance_is_a_shared_label() {
        let s = Labels::Single(vec![3, 5, 3]);
        assert!(s.relevant(0, &s, 2));
        assert!(!s.relevant(0, &s, 1));
        let m = Labels::Multi {
            classes: 3,
            matrix: vec![true, false, true, false, true, false, false, false, true],
        };
        assert_eq!(m.len(), 3);
        assert!(m.relevant(0, &m, 2));
        assert!(!m.relevant(0, &m, 1));
        assert!(!m.relevant(1, &s, 1));
    }

    #[test]
    fn text_names_classes_and_joins_multi_labels() {
        let names = vec!["cat".to_string(), "dog".to_string()];
        assert_eq!(Labels::Single(vec![4, 9]).text(1, &[]), "9");
        assert_eq!(Labels::Single(vec![1, 7]).text(0, &names), "dog");
        assert_eq!(Labels::Single(vec![1, 7]).text(1, &names), "7");
        assert_eq!(Labels::Single(vec![1]).text(5, &names), "");
        let multi = Labels::Multi {
            classes: 3,
            matrix: vec![true, false, true, false, true, false],
        };
        assert_eq!(multi.text(0, &[]), "0,2");
        assert_eq!(multi.text(0, &names), "cat,2");
        assert_eq!(multi.text(1, &[]), "1");
    }
}
