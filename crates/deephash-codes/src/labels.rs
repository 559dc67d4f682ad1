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
}
