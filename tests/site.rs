//! The course site: built by `streamlab book`, every page and image present in both languages, broken
//! sources refused, and (with Chromium) checked in a real browser with screenshots saved.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn streamlab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_streamlab"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("streamlab runs")
}

fn site() -> &'static Path {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| {
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("site");
        let o = streamlab(&["book", "--out", out.to_str().unwrap()]);
        assert!(o.status.success(), "book build failed: {}", String::from_utf8_lossy(&o.stderr));
        out
    })
}

fn chapters() -> Vec<String> {
    let summary =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("book/en/src/SUMMARY.md")).unwrap();
    summary
        .lines()
        .filter_map(|l| l.split_once("](").and_then(|(_, r)| r.split_once(')')).map(|(f, _)| f.replace(".md", ".html")))
        .collect()
}

#[test]
fn every_chapter_is_built_in_both_languages_with_its_charts() {
    let site = site();
    assert!(site.join("index.html").exists());
    let chapters = chapters();
    assert_eq!(chapters.len(), 12, "{chapters:?}");
    for lang in ["kk", "en"] {
        for ch in &chapters {
            let page = site.join(lang).join(ch);
            let html = std::fs::read_to_string(&page).unwrap_or_else(|_| panic!("{} is missing", page.display()));
            for src in html.split("<img src=\"").skip(1).map(|r| r.split('"').next().unwrap()) {
                assert!(page.parent().unwrap().join(src).exists(), "{}: image {src} is missing", page.display());
            }
        }
        let kafka = std::fs::read_to_string(site.join(lang).join("kafka.html")).unwrap();
        assert!(kafka.matches("<img src=\"charts/kafka/").count() >= 3, "the kafka chapter shows its lab charts");
        assert!(kafka.contains(&format!("cluster.{lang}.svg")), "charts in the book's language");
        assert!(kafka.contains("streamlab lab kafka"), "the chapter shows the command that reproduces it");
        let review = std::fs::read_to_string(site.join(lang).join("review.html")).unwrap();
        assert_eq!(review.matches("<h2 id=").count(), 6, "six answer cards");
    }
    assert!(
        site.join("en/searchindex.json").exists()
            || std::fs::read_dir(site.join("en"))
                .unwrap()
                .any(|e| { e.unwrap().file_name().to_string_lossy().starts_with("searchindex") }),
        "search is built"
    );
}

#[test]
fn a_missing_chapter_or_broken_include_is_refused() {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bad-book");
    let _ = std::fs::remove_dir_all(&tmp);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("book");
    common::copy_dir(&root, &tmp);
    std::fs::remove_file(tmp.join("kk/src/spark.md")).unwrap();
    let out = tmp.join("out");
    let o = streamlab(&["book", "--src", tmp.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("spark.md") && err.contains("does not exist"), "{err}");
    assert!(!out.join("kk/index.html").exists(), "no half-built site");
    common::copy_dir(&root, &tmp);
    std::fs::write(tmp.join("en/src/glossary.md"), "# Glossary\n\n{{#include nowhere.md}}\n").unwrap();
    let o = streamlab(&["book", "--src", tmp.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("broken include") && err.contains("nowhere.md"), "{err}");
}

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"].iter().map(PathBuf::from).find(|p| p.exists())
}

/// Loads pages of both languages in headless Chromium: every chart image decoded (natural width > 0),
/// the language switch leads to the same page in the other language; screenshots go to
/// target/tmp/screenshots. CI installs Chromium; without it this test fails under CI and is reported as
/// skipped elsewhere.
#[test]
fn pages_load_in_a_real_browser() {
    let Some(chrome) = chromium() else {
        assert!(std::env::var_os("CI").is_none(), "CI must install chromium (see .ci/run)");
        eprintln!("chromium not installed: browser check skipped");
        return;
    };
    let site = std::path::absolute(site()).unwrap();
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let profile = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("chromium-profile");
    let base = |extra: &[&str], url: &str| {
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        args.extend(extra.iter().map(|s| s.to_string()));
        args.push(url.to_string());
        Command::new(&chrome).args(&args).output().expect("chromium runs")
    };
    for (lang, other, page) in
        [("kk", "en", "kafka.html"), ("en", "kk", "flink-vs-spark.html"), ("kk", "en", "review.html")]
    {
        let url = format!("file://{}/{lang}/{page}", site.display());
        let o = base(&["--virtual-time-budget=10000", "--dump-dom"], &format!("{url}#selfcheck"));
        let dom = String::from_utf8_lossy(&o.stdout);
        let check = dom.split("data-selfcheck=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or_else(|| {
            panic!("{url}: the page's self-check did not run: {}", String::from_utf8_lossy(&o.stderr))
        });
        let (counts, href) = check.split_once(' ').unwrap();
        let (loaded, total) = counts.split_once('/').unwrap();
        assert!(total != "0" && loaded == total, "{url}: {loaded} of {total} images loaded");
        assert_eq!(href, format!("file://{}/{other}/{page}", site.display()), "the language switch");
        assert!(Path::new(href.trim_start_matches("file://")).exists());
        let shot = shots.join(format!("{lang}-{page}.png"));
        let o = base(&["--window-size=1200,1600", &format!("--screenshot={}", shot.display())], &url);
        assert!(
            shot.exists() && std::fs::metadata(&shot).unwrap().len() > 10_000,
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}
