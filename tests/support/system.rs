//! The machine's system archives, as gcc sees them (shared by the oracle
//! and corpus tests).

use std::path::PathBuf;
use std::process::Command;

/// gcc's library directories, canonical and existing.
pub fn system_dirs() -> Vec<PathBuf> {
    let out = Command::new("gcc").arg("-print-search-dirs").output().expect("gcc runs");
    solink::testing::sysdirs::parse_print_search_dirs(&out.stdout).expect("gcc prints its libraries")
}

/// Every `lib*.a` in those directories, canonical, sorted, unique.
pub fn system_archives() -> Vec<PathBuf> {
    let mut archives: Vec<PathBuf> = system_dirs()
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("lib") && name.ends_with(".a") && p.is_file()
        })
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    archives.sort();
    archives.dedup();
    archives
}

/// Runs `f` over `items` on four threads; results in the items' order.
pub fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(usize, &T) -> R + Sync) -> Vec<R> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(item) = items.get(i) else { break };
                let r = f(i, item);
                results.lock().unwrap().push((i, r));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}
