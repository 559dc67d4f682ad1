//! Every loader on generated look-alike trees with the real file formats (tiny JPEG/PNG images).

use std::path::Path;

use deephash_data::mat5::write::{Value, file as mat_file};
use deephash_data::{DEFAULT_MAX_PIXELS, DatasetKind, DatasetSpec, Split};

fn write_image(path: &Path, shade: u8) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let img = image::RgbImage::from_pixel(6, 5, image::Rgb([shade, 255 - shade, 7]));
    img.save(path).unwrap();
}

fn spec(kind: DatasetKind, dir: &Path) -> DatasetSpec {
    DatasetSpec::new(kind, Some(dir.to_path_buf()))
}

/// A CUB look-alike: 3 classes, 6 images, images.txt & co. in the official formats.
fn make_cub(root: &Path) {
    let cub = root.join("CUB_200_2011");
    let classes = [
        "001.Black_footed_Albatross",
        "002.Laysan_Albatross",
        "003.Sooty_Albatross",
    ];
    let (mut images, mut labels, mut split, mut cls) =
        (String::new(), String::new(), String::new(), String::new());
    for (c, name) in classes.iter().enumerate() {
        cls += &format!("{} {name}\n", c + 1);
        for k in 0..2 {
            let id = c * 2 + k + 1;
            let rel = format!("{name}/{name}_{k}.jpg");
            write_image(&cub.join("images").join(&rel), (id * 30) as u8);
            images += &format!("{id} {rel}\n");
            labels += &format!("{id} {}\n", c + 1);
            split += &format!("{id} {}\n", (k == 0) as u8);
        }
    }
    for (f, t) in [
        ("images.txt", images),
        ("image_class_labels.txt", labels),
        ("train_test_split.txt", split),
        ("classes.txt", cls),
    ] {
        std::fs::write(cub.join(f), t).unwrap();
    }
}

#[test]
fn cub_official_split_and_labels() {
    let dir = tempfile::tempdir().unwrap();
    make_cub(dir.path());
    let ds = spec(DatasetKind::Cub, dir.path()).load().unwrap();
    assert_eq!((ds.train.len(), ds.test.len(), ds.num_classes()), (3, 3, 3));
    assert_eq!(ds.class_names[0], "Black footed Albatross");
    assert_eq!(ds.labels(Split::Train), vec![vec![0], vec![1], vec![2]]);
    let img = ds.test[2].load(DEFAULT_MAX_PIXELS).unwrap();
    assert_eq!((img.width, img.height), (6, 5));
}

#[test]
fn cub_missing_pieces_are_named() {
    let dir = tempfile::tempdir().unwrap();
    make_cub(dir.path());
    let cub = dir.path().join("CUB_200_2011");
    std::fs::remove_file(cub.join("train_test_split.txt")).unwrap();
    let err = spec(DatasetKind::Cub, dir.path())
        .load()
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing: train_test_split.txt"), "{err}");
    make_cub(dir.path());
    std::fs::remove_file(cub.join("images/002.Laysan_Albatross/002.Laysan_Albatross_1.jpg"))
        .unwrap();
    let err = spec(DatasetKind::Cub, dir.path())
        .load()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("1 listed image files are missing") && err.contains("Laysan_Albatross_1.jpg"),
        "{err}"
    );
}

fn make_dogs(root: &Path, compress: bool) {
    let breeds = ["n02085620-Chihuahua", "n02085782-Japanese_spaniel"];
    let mut lists: [(Vec<String>, Vec<f64>); 2] = Default::default();
    for (c, breed) in breeds.iter().enumerate() {
        for k in 0..3 {
            let rel = format!("{breed}/{}_{k}.jpg", &breed[..9]);
            write_image(&root.join("Images").join(&rel), (c * 100 + k * 10) as u8);
            let which = usize::from(k == 2);
            lists[which].0.push(rel);
            lists[which].1.push(c as f64 + 1.0);
        }
    }
    std::fs::create_dir_all(root.join("lists")).unwrap();
    for ((files, labels), name) in lists.iter().zip(["train_list.mat", "test_list.mat"]) {
        let annotations: Vec<String> = files
            .iter()
            .map(|f| f.trim_end_matches(".jpg").to_string())
            .collect();
        let vars = [
            ("file_list", Value::Strings(files)),
            ("annotation_list", Value::Strings(&annotations)),
            ("labels", Value::Doubles(labels)),
        ];
        std::fs::write(root.join("lists").join(name), mat_file(&vars, compress)).unwrap();
    }
}

#[test]
fn dogs_lists_plain_and_compressed() {
    for compress in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        make_dogs(dir.path(), compress);
        let ds = spec(DatasetKind::Dogs, dir.path()).load().unwrap();
        assert_eq!((ds.train.len(), ds.test.len()), (4, 2));
        assert_eq!(ds.class_names, ["Chihuahua", "Japanese spaniel"]);
        assert_eq!(ds.labels(Split::Test), vec![vec![0], vec![1]]);
        assert!(ds.train[3].load(DEFAULT_MAX_PIXELS).is_ok());
    }
}

#[test]
fn dogs_without_lists_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    make_dogs(dir.path(), false);
    std::fs::remove_file(dir.path().join("lists/test_list.mat")).unwrap();
    let err = spec(DatasetKind::Dogs, dir.path())
        .load()
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing: test_list.mat"), "{err}");
}

#[test]
fn folder_with_train_and_test() {
    let dir = tempfile::tempdir().unwrap();
    for (split, class, n) in [
        ("train", "cat", 2),
        ("train", "dog", 1),
        ("test", "cat", 1),
        ("test", "emu", 1),
    ] {
        for k in 0..n {
            write_image(&dir.path().join(format!("{split}/{class}/{k}.png")), 9);
        }
    }
    let ds = spec(DatasetKind::Folder, dir.path()).load().unwrap();
    assert_eq!(ds.class_names, ["cat", "dog", "emu"]);
    assert_eq!(ds.labels(Split::Train), vec![vec![0], vec![0], vec![1]]);
    assert_eq!(ds.labels(Split::Test), vec![vec![0], vec![2]]);
}

#[test]
fn folder_tree_split_by_seeded_fraction() {
    let dir = tempfile::tempdir().unwrap();
    for class in ["a", "b"] {
        for k in 0..10 {
            write_image(&dir.path().join(format!("{class}/{k:02}.jpg")), k as u8);
        }
    }
    let mut s = spec(DatasetKind::Folder, dir.path());
    s.test_fraction = 0.3;
    s.seed = 5;
    let ds = s.load().unwrap();
    assert_eq!(ds.class_counts(Split::Test), vec![3, 3]);
    assert_eq!(ds.class_counts(Split::Train), vec![7, 7]);
    let again = s.load().unwrap();
    let names =
        |d: &deephash_data::Dataset| d.test.iter().map(|x| x.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&ds), names(&again));
    s.seed = 6;
    assert_ne!(names(&ds), names(&s.load().unwrap()), "seed has no effect");
}

#[test]
fn folder_half_layout_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    write_image(&dir.path().join("train/cat/0.png"), 1);
    let err = spec(DatasetKind::Folder, dir.path())
        .load()
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing: test"), "{err}");
}

#[test]
fn list_files_multi_label_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    for k in 0..3 {
        write_image(&dir.path().join(format!("img/{k} x.png")), k);
    }
    std::fs::write(
        dir.path().join("train.txt"),
        "# comment\nimg/0 x.png 0,2\n\nimg/1 x.png 1\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("test.txt"), "img/2 x.png 2\n").unwrap();
    std::fs::write(dir.path().join("classes.txt"), "red\ngreen\nblue\n").unwrap();
    let ds = spec(DatasetKind::List, dir.path()).load().unwrap();
    assert_eq!(ds.labels(Split::Train), vec![vec![0, 2], vec![1]]);
    assert_eq!(ds.class_names, ["red", "green", "blue"]);
    assert!(ds.train[0].load(DEFAULT_MAX_PIXELS).is_ok());
    std::fs::write(dir.path().join("test.txt"), "img/2 x.png two\n").unwrap();
    let err = spec(DatasetKind::List, dir.path())
        .load()
        .unwrap_err()
        .to_string();
    assert!(err.contains("test.txt") && err.contains("line 1"), "{err}");
}

#[test]
fn corrupt_image_error_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write_image(&dir.path().join("train/a/ok.png"), 1);
    std::fs::create_dir_all(dir.path().join("test/a")).unwrap();
    std::fs::write(dir.path().join("test/a/bad.jpg"), b"\xff\xd8\xff garbage").unwrap();
    let ds = spec(DatasetKind::Folder, dir.path()).load().unwrap();
    let err = ds.test[0].load(DEFAULT_MAX_PIXELS).unwrap_err().to_string();
    assert!(err.contains("bad.jpg"), "{err}");
}
