//! Helpers shared by the integration tests.

use std::path::Path;

/// Copies a folder tree (test fixtures made from the repository's own folders).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let d = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &d)
        } else {
            std::fs::copy(&p, &d).unwrap();
        }
    }
}
