//! Every path is a URL through object_store: `file://`, plain local paths, `memory://`,
//! `s3://` (AWS environment variables, `AWS_ENDPOINT_URL` for a custom endpoint) and
//! `http(s)://` (read-only).
//!
//! A data set URL names one file, a folder (every visible file below it, in name order;
//! names starting with `.` or `_` are skipped, as Hadoop's `_SUCCESS` is), or a glob
//! (`s3://bucket/logs/*.csv`).

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt};
use url::Url;

use crate::error::{Error, Result};
use crate::io_runtime::block_on;

/// A resolved URL: the store that holds it and the path inside that store.
#[derive(Clone, Debug)]
pub struct Location {
    /// The store.
    pub store: Arc<dyn ObjectStore>,
    /// The path inside the store.
    pub path: StorePath,
    /// The URL as the user wrote it (for messages).
    pub url: String,
    /// Whether this is the local file system (staged output can then be renamed into place).
    pub local: Option<std::path::PathBuf>,
}

/// One file of a data set.
#[derive(Clone, Debug)]
pub struct FileMeta {
    /// The file's location.
    pub location: Location,
    /// Its size in bytes.
    pub size: u64,
}

fn memory_stores() -> &'static Mutex<HashMap<String, Arc<dyn ObjectStore>>> {
    static STORES: OnceLock<Mutex<HashMap<String, Arc<dyn ObjectStore>>>> = OnceLock::new();
    STORES.get_or_init(Default::default)
}

fn s3_stores() -> &'static Mutex<HashMap<String, Arc<dyn ObjectStore>>> {
    static STORES: OnceLock<Mutex<HashMap<String, Arc<dyn ObjectStore>>>> = OnceLock::new();
    STORES.get_or_init(Default::default)
}

fn s3_store(bucket: &str) -> Result<Arc<dyn ObjectStore>> {
    let mut stores = s3_stores().lock().expect("store cache lock");
    if let Some(store) = stores.get(bucket) {
        return Ok(store.clone());
    }
    let mut builder = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
    let endpoint = std::env::var("AWS_ENDPOINT_URL_S3")
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
        .or_else(|_| std::env::var("AWS_ENDPOINT"));
    if let Ok(endpoint) = endpoint {
        builder = builder
            .with_allow_http(endpoint.starts_with("http://"))
            .with_virtual_hosted_style_request(false)
            .with_endpoint(endpoint);
    }
    let store: Arc<dyn ObjectStore> = Arc::new(
        builder
            .build()
            .map_err(|e| Error::storage(format!("s3://{bucket}"), e))?,
    );
    stores.insert(bucket.to_string(), store.clone());
    Ok(store)
}

/// Resolves a URL or a plain local path.
///
/// # Errors
/// [`Error::Plan`] for an unsupported scheme or malformed URL; [`Error::Storage`] when the
/// store cannot be configured (e.g. S3 without a region).
pub fn resolve(url: &str) -> Result<Location> {
    let parsed = match Url::parse(url) {
        Ok(u) if u.scheme().len() > 1 => Some(u),
        _ => None, // no scheme, or a Windows drive letter: a local path
    };
    let Some(parsed) = parsed else {
        return local(url, std::path::Path::new(url));
    };
    match parsed.scheme() {
        "file" => {
            let path = parsed
                .to_file_path()
                .map_err(|()| Error::Plan(format!("not a local file URL: {url}")))?;
            local(url, &path)
        }
        "memory" => {
            let name = parsed.host_str().unwrap_or("").to_string();
            let store = memory_stores()
                .lock()
                .expect("store cache lock")
                .entry(name)
                .or_insert_with(|| Arc::new(object_store::memory::InMemory::new()))
                .clone();
            Ok(Location {
                store,
                path: url_path(&parsed)?,
                url: url.to_string(),
                local: None,
            })
        }
        "s3" | "s3a" => {
            let bucket = parsed
                .host_str()
                .ok_or_else(|| Error::Plan(format!("S3 URL without a bucket: {url}")))?;
            Ok(Location {
                store: s3_store(bucket)?,
                path: url_path(&parsed)?,
                url: url.to_string(),
                local: None,
            })
        }
        "http" | "https" => {
            let store = crate::http_listing::store(&parsed, None)?;
            Ok(Location {
                store: Arc::new(store),
                path: url_path(&parsed)?,
                url: url.to_string(),
                local: None,
            })
        }
        other => Err(Error::Plan(format!(
            "unsupported URL scheme {other:?} in {url} (use file://, memory://, s3:// or http(s)://)"
        ))),
    }
}

fn url_path(parsed: &Url) -> Result<StorePath> {
    StorePath::from_url_path(parsed.path())
        .map_err(|e| Error::Plan(format!("bad path in {parsed}: {e}")))
}

fn local(url: &str, path: &std::path::Path) -> Result<Location> {
    let absolute = std::path::absolute(path).map_err(|e| Error::path(url, e))?;
    // `a/b/../c` is `a/c` (lexically, as a shell's `cd` does).
    let absolute = absolute
        .components()
        .fold(std::path::PathBuf::new(), |mut p, c| {
            match c {
                std::path::Component::ParentDir => {
                    p.pop();
                }
                std::path::Component::CurDir => {}
                other => p.push(other),
            }
            p
        });
    let store_path = StorePath::from_absolute_path(&absolute)
        .map_err(|e| Error::Plan(format!("bad local path {url}: {e}")))?;
    static LOCAL: OnceLock<Arc<dyn ObjectStore>> = OnceLock::new();
    let store = LOCAL
        .get_or_init(|| Arc::new(object_store::local::LocalFileSystem::new()))
        .clone();
    Ok(Location {
        store,
        path: store_path,
        url: url.to_string(),
        local: Some(absolute),
    })
}

fn is_hidden(path: &StorePath, under: &StorePath) -> bool {
    let under_parts = under.parts().count();
    path.parts()
        .skip(under_parts)
        .any(|p| p.as_ref().starts_with('.') || p.as_ref().starts_with('_'))
}

/// Lists the files of a data set URL (one file, a folder, or a glob), sorted by path.
///
/// # Errors
/// [`Error::Plan`] when nothing matches; [`Error::Storage`] when the store fails.
pub fn list_files(url: &str) -> Result<Vec<FileMeta>> {
    let base = resolve(url)?;
    let glob_at = base.path.as_ref().find(['*', '?', '[', '{']);
    let store = base.store.clone();
    let path = base.path.clone();
    let owned_url = url.to_string();
    let metas: Vec<(StorePath, u64)> = if let Some(at) = glob_at {
        let pattern = globset::Glob::new(path.as_ref())
            .map_err(|e| Error::Plan(format!("bad glob in {url}: {e}")))?
            .compile_matcher();
        let prefix_str = &path.as_ref()[..at];
        let prefix = StorePath::from(prefix_str.rsplit_once('/').map_or("", |(d, _)| d));
        let under = prefix.clone();
        let listed =
            block_on(async move { store.list(Some(&prefix)).try_collect::<Vec<_>>().await })
                .map_err(|e| Error::storage(&owned_url, e))?;
        // Hidden files (`.` or `_`, as Hadoop's and Spark's readers skip them: in-progress
        // parts, markers) are not data, whatever the pattern.
        listed
            .into_iter()
            .filter(|m| pattern.is_match(m.location.as_ref()) && !is_hidden(&m.location, &under))
            .map(|m| (m.location, m.size))
            .collect()
    } else if url.starts_with("http://") || url.starts_with("https://") {
        crate::http_listing::files(url, &store, &path, |p| is_hidden(p, &base.path))?
    } else {
        let head = block_on({
            let store = store.clone();
            let path = path.clone();
            async move { store.head(&path).await }
        });
        match head {
            Ok(meta) => vec![(meta.location, meta.size)],
            Err(_) => {
                let prefix = path.clone();
                let listed =
                    block_on(
                        async move { store.list(Some(&prefix)).try_collect::<Vec<_>>().await },
                    );
                match listed {
                    Ok(listed) => listed
                        .into_iter()
                        .filter(|m| !is_hidden(&m.location, &path))
                        .map(|m| (m.location, m.size))
                        .collect(),
                    Err(object_store::Error::NotFound { .. }) => Vec::new(),
                    Err(e) => return Err(Error::storage(url, e)),
                }
            }
        }
    };
    if metas.is_empty() {
        return Err(Error::Plan(format!("no input files at {url}")));
    }
    let mut files: Vec<FileMeta> = metas
        .into_iter()
        .map(|(p, size)| FileMeta {
            location: child(&base, p),
            size,
        })
        .collect();
    files.sort_by(|a, b| a.location.path.cmp(&b.location.path));
    Ok(files)
}

/// The location of `path` in the same store as `base`, with a URL for messages.
fn child(base: &Location, path: StorePath) -> Location {
    let url = match &base.local {
        Some(_) => format!("/{path}"),
        None if base.path == path => base.url.clone(),
        None => {
            let scheme_host = base
                .url
                .split_once("://")
                .map_or(String::new(), |(s, rest)| {
                    format!("{s}://{}", rest.split('/').next().unwrap_or(""))
                });
            format!("{scheme_host}/{path}")
        }
    };
    let local = base
        .local
        .as_ref()
        .map(|_| std::path::PathBuf::from(format!("/{path}")));
    Location {
        store: base.store.clone(),
        path,
        url,
        local,
    }
}

impl Location {
    /// The location `name` below this one (as a folder).
    pub fn join(&self, name: &str) -> Location {
        let path = self.path.clone().join(name);
        let url = format!("{}/{name}", self.url.trim_end_matches('/'));
        let local = self.local.as_ref().map(|p| p.join(name));
        Location {
            store: self.store.clone(),
            path,
            url,
            local,
        }
    }

    /// Reads the byte range `range` of this file. Servers that ignore range requests
    /// (simple HTTP servers) are read whole and sliced.
    ///
    /// # Errors
    /// [`Error::Storage`] naming the URL.
    pub fn read_range(&self, range: Range<u64>) -> Result<Bytes> {
        let (store, path) = (self.store.clone(), self.path.clone());
        let wanted = range.clone();
        match block_on(async move { store.get_range(&path, wanted).await }) {
            Ok(bytes) => Ok(bytes),
            Err(object_store::Error::NotSupported { .. }) => {
                let all = self.read_all()?;
                let end = (range.end as usize).min(all.len());
                Ok(all.slice((range.start as usize).min(end)..end))
            }
            Err(e) => Err(Error::storage(&self.url, e)),
        }
    }

    /// Reads the whole file.
    ///
    /// # Errors
    /// [`Error::Storage`] naming the URL.
    pub fn read_all(&self) -> Result<Bytes> {
        let (store, path) = (self.store.clone(), self.path.clone());
        block_on(async move { store.get(&path).await?.bytes().await })
            .map_err(|e| Error::storage(&self.url, e))
    }

    /// Writes `bytes` as the whole file, replacing it.
    ///
    /// # Errors
    /// [`Error::Storage`] naming the URL.
    pub fn write(&self, bytes: Bytes) -> Result<()> {
        if let Some(parent) = self.local.as_ref().and_then(|l| l.parent()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::path(&self.url, e))?;
        }
        let (store, path) = (self.store.clone(), self.path.clone());
        block_on(async move { store.put(&path, bytes.into()).await })
            .map(|_| ())
            .map_err(|e| Error::storage(&self.url, e))
    }

    /// Moves a finished local file into this location: a rename on the local file system,
    /// an upload (multipart for large files) elsewhere.
    ///
    /// # Errors
    /// [`Error::Path`] naming the target (or the staged file) or [`Error::Storage`].
    pub fn publish_file(&self, staged: &std::path::Path) -> Result<()> {
        let at_target = |e| Error::path(&self.url, e);
        let at_staged = |e| Error::path(staged.display(), e);
        if let Some(target) = &self.local {
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(at_target)?;
            }
            if std::fs::rename(staged, target).is_err() {
                std::fs::copy(staged, target).map_err(at_target)?;
                std::fs::remove_file(staged).map_err(at_staged)?;
            }
            return Ok(());
        }
        let size = std::fs::metadata(staged).map_err(at_staged)?.len();
        if size <= 16 << 20 {
            let bytes = std::fs::read(staged).map_err(at_staged)?;
            self.write(Bytes::from(bytes))?;
        } else {
            let (store, path, file) = (self.store.clone(), self.path.clone(), staged.to_owned());
            block_on(async move {
                use std::io::Read;
                let mut upload =
                    object_store::WriteMultipart::new(store.put_multipart(&path).await?);
                let mut reader =
                    std::fs::File::open(file).map_err(|e| object_store::Error::Generic {
                        store: "local staging",
                        source: Box::new(e),
                    })?;
                let mut buf = vec![0u8; 8 << 20];
                loop {
                    let n = reader
                        .read(&mut buf)
                        .map_err(|e| object_store::Error::Generic {
                            store: "local staging",
                            source: Box::new(e),
                        })?;
                    if n == 0 {
                        break;
                    }
                    upload.write(&buf[..n]);
                }
                upload.finish().await
            })
            .map_err(|e| Error::storage(&self.url, e))?;
        }
        std::fs::remove_file(staged).map_err(at_staged)?;
        Ok(())
    }

    /// Deletes the object at this location and every object below it.
    ///
    /// # Errors
    /// [`Error::Storage`], or [`Error::Path`] naming the local path.
    pub fn delete_prefix(&self) -> Result<()> {
        if let Some(local) = &self.local {
            let removed = if local.is_dir() {
                std::fs::remove_dir_all(local)
            } else {
                std::fs::remove_file(local)
            };
            return match removed {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(Error::path(&self.url, e))
                }
                _ => Ok(()),
            };
        }
        let (store, path) = (self.store.clone(), self.path.clone());
        block_on(async move {
            match store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
            let listed: Vec<_> = store.list(Some(&path)).try_collect().await?;
            for meta in listed {
                store.delete(&meta.location).await?;
            }
            Ok::<_, object_store::Error>(())
        })
        .map_err(|e| Error::storage(&self.url, e))
    }

    /// The names of the files directly in this folder (none when it does not exist).
    ///
    /// # Errors
    /// [`Error::Storage`], or [`Error::Path`] naming the local path.
    pub fn file_names(&self) -> Result<Vec<String>> {
        if let Some(local) = &self.local {
            let entries = match std::fs::read_dir(local) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
                Err(e) => return Err(Error::path(&self.url, e)),
            };
            let mut names = Vec::new();
            for entry in entries {
                let entry = entry.map_err(|e| Error::path(&self.url, e))?;
                if entry.file_type().is_ok_and(|t| t.is_file()) {
                    names.push(entry.file_name().to_string_lossy().into_owned());
                }
            }
            names.sort();
            return Ok(names);
        }
        let (store, path) = (self.store.clone(), self.path.clone());
        let listed = block_on(async move { store.list_with_delimiter(Some(&path)).await })
            .map_err(|e| Error::storage(&self.url, e))?;
        let mut names: Vec<String> = listed
            .objects
            .iter()
            .filter_map(|m| m.location.filename().map(str::to_string))
            .collect();
        names.sort();
        Ok(names)
    }
}

/// The files and folders a job writes, and the ones it reads, checked before it runs by
/// [`check_outputs`].
#[derive(Clone, Debug, Default)]
pub struct JobPaths {
    /// URLs the job reads (files, folders or globs).
    pub inputs: Vec<String>,
    /// URLs the job writes: a folder when the URL ends in `/`, else one file.
    pub outputs: Vec<String>,
}

/// Checks, before a job starts, that writing its outputs harms nothing:
///
/// - no output is, contains or lies inside an input (or another output);
/// - without `overwrite`, a folder output (URL ending in `/`) is absent or empty and a
///   file output does not exist;
/// - a file output is not an existing folder, and a folder output is not an existing file.
///
/// With `overwrite`, a job replaces only what it writes itself: the file of a file output,
/// and in a folder the part files named as it names them (`part-NNNNN<ext>`); any other
/// file in the folder is kept.
///
/// # Errors
/// [`Error::Plan`] naming the output (and the input it collides with);
/// [`Error::Storage`] or [`Error::Io`] naming the path when the store cannot be read.
pub fn check_outputs(paths: &JobPaths, overwrite: bool) -> Result<()> {
    let inputs = paths
        .inputs
        .iter()
        .map(|url| Ok((url, Scope::of(url)?)))
        .collect::<Result<Vec<_>>>()?;
    let mut outputs: Vec<(&String, Scope)> = Vec::new();
    for url in &paths.outputs {
        let scope = Scope::of(url)?;
        for (input, other) in &inputs {
            if scope.overlaps(other) {
                return Err(Error::Plan(format!(
                    "output {url} is, holds or lies inside input {input}: writing it could destroy the input"
                )));
            }
        }
        for (output, other) in &outputs {
            if scope.overlaps(other) {
                return Err(Error::Plan(format!(
                    "outputs {output} and {url} overlap: one would replace the other"
                )));
            }
        }
        check_output_target(url, overwrite)?;
        outputs.push((url, scope));
    }
    Ok(())
}

/// What a URL covers, for overlap checks: its store and path segments (a glob's fixed
/// folder for a glob; local paths with links and `..` resolved).
#[derive(Debug, PartialEq, Eq)]
struct Scope {
    store: String,
    parts: Vec<String>,
}

impl Scope {
    fn of(url: &str) -> Result<Scope> {
        let location = resolve(url)?;
        let (store, path) = match &location.local {
            Some(local) => (
                "file://".to_string(),
                canonical(local)?.display().to_string(),
            ),
            None => {
                let base = url.split_once("://").map_or(String::new(), |(s, rest)| {
                    format!("{s}://{}", rest.split('/').next().unwrap_or(""))
                });
                (base, location.path.as_ref().to_string())
            }
        };
        let mut parts: Vec<String> = path
            .split('/')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        if let Some(glob) = parts.iter().position(|p| p.contains(['*', '?', '[', '{'])) {
            parts.truncate(glob);
        }
        Ok(Scope { store, parts })
    }

    /// Whether one of the two is the other or lies inside it.
    fn overlaps(&self, other: &Scope) -> bool {
        let n = self.parts.len().min(other.parts.len());
        self.store == other.store && self.parts[..n] == other.parts[..n]
    }
}

/// `path` with links and `..` resolved as far as it exists.
fn canonical(path: &std::path::Path) -> Result<std::path::PathBuf> {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    loop {
        match std::fs::canonicalize(&existing) {
            Ok(found) => {
                return Ok(rest.into_iter().rev().fold(found, |p, name| p.join(name)));
            }
            Err(_) => match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_owned());
                    existing = parent.to_path_buf();
                }
                _ => return Ok(path.to_path_buf()),
            },
        }
    }
}

fn check_output_target(url: &str, overwrite: bool) -> Result<()> {
    let location = resolve(url)?;
    let folder = url.ends_with('/');
    if let Some(local) = &location.local {
        let meta = match std::fs::metadata(local) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::path(url, e)),
        };
        return match (folder, meta.is_dir()) {
            (true, false) => Err(Error::Plan(format!(
                "output folder {url} is an existing file"
            ))),
            (false, true) => Err(Error::Plan(format!(
                "output {url} is an existing folder (end the URL with / to write part files into it)"
            ))),
            (true, true) => {
                let first = std::fs::read_dir(local)
                    .map_err(|e| Error::path(url, e))?
                    .next()
                    .transpose()
                    .map_err(|e| Error::path(url, e))?;
                match first {
                    Some(entry) if !overwrite => {
                        Err(not_empty(url, &entry.file_name().to_string_lossy()))
                    }
                    _ => Ok(()),
                }
            }
            (false, false) if overwrite => Ok(()),
            (false, false) => Err(exists(url)),
        };
    }
    let (store, path) = (location.store.clone(), location.path.clone());
    if folder {
        let first = block_on(async move {
            let mut listed = store.list(Some(&path));
            listed.try_next().await
        })
        .map_err(|e| Error::storage(url, e))?;
        match first {
            Some(meta) if !overwrite => Err(not_empty(url, meta.location.filename().unwrap_or(""))),
            _ => Ok(()),
        }
    } else {
        match block_on(async move { store.head(&path).await }) {
            Ok(_) if !overwrite => Err(exists(url)),
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(Error::storage(url, e)),
        }
    }
}

/// Checks that a job can write below `url` (a folder, or a file's folder when
/// `file` is set) before it starts: on the local file system, the nearest existing
/// folder on the way is a folder and takes a new file; in an object store, a probe
/// object can be written and deleted.
///
/// # Errors
/// [`Error::Path`] or [`Error::Storage`] naming `url` and why it cannot be written.
pub fn check_writable(url: &str, file: bool) -> Result<()> {
    let location = resolve(url)?;
    if let Some(local) = &location.local {
        let mut folder = if file {
            local
                .parent()
                .map_or_else(|| local.clone(), std::path::Path::to_path_buf)
        } else {
            local.clone()
        };
        loop {
            match std::fs::metadata(&folder) {
                Ok(meta) if meta.is_dir() => break,
                Ok(_) => {
                    return Err(Error::path(
                        url,
                        std::io::Error::new(
                            std::io::ErrorKind::NotADirectory,
                            format!("{} is a file, not a folder", folder.display()),
                        ),
                    ));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => match folder.parent() {
                    Some(parent) => folder = parent.to_path_buf(),
                    None => return Err(Error::path(url, e)),
                },
                Err(e) => return Err(Error::path(url, e)),
            }
        }
        return tempfile::Builder::new()
            .prefix(".strom-probe-")
            .tempfile_in(&folder)
            .map(drop)
            .map_err(|e| {
                Error::path(
                    url,
                    std::io::Error::new(
                        e.kind(),
                        format!("cannot write in {}: {e}", folder.display()),
                    ),
                )
            });
    }
    let folder = if file {
        let parent = location.path.parts().collect::<Vec<_>>();
        StorePath::from_iter(parent[..parent.len().saturating_sub(1)].iter().cloned())
    } else {
        location.path.clone()
    };
    let probe = folder
        .clone()
        .join(format!(".strom-probe-{}", std::process::id()));
    let store = location.store.clone();
    block_on(async move {
        store.put(&probe, Bytes::new().into()).await?;
        store.delete(&probe).await
    })
    .map_err(|e| Error::storage(url, e))
}

fn not_empty(url: &str, example: &str) -> Error {
    Error::Plan(format!(
        "output folder {url} is not empty (it holds {example}); choose an empty or new folder, or allow overwriting (the `overwrite` setting) to replace only the part files Strom writes there"
    ))
}

fn exists(url: &str) -> Error {
    Error::Plan(format!(
        "output file {url} exists; choose another, or allow overwriting (the `overwrite` setting) to replace it"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_files_folders_and_globs_in_memory() {
        let base = "memory://listing";
        for name in ["a/1.csv", "a/2.csv", "a/_SUCCESS", "a/.hidden", "b/3.txt"] {
            resolve(&format!("{base}/{name}"))
                .unwrap()
                .write(Bytes::from_static(b"x\n"))
                .unwrap();
        }
        let names = |url: &str| -> Vec<String> {
            list_files(url)
                .unwrap()
                .into_iter()
                .map(|f| f.location.url)
                .collect()
        };
        assert_eq!(
            names("memory://listing/a"),
            ["memory://listing/a/1.csv", "memory://listing/a/2.csv"]
        );
        assert_eq!(names("memory://listing/*/*.csv").len(), 2);
        // A glob skips hidden files too (in-progress parts, markers).
        assert_eq!(
            names("memory://listing/a/*"),
            ["memory://listing/a/1.csv", "memory://listing/a/2.csv"]
        );
        assert_eq!(
            names("memory://listing/b/3.txt"),
            ["memory://listing/b/3.txt"]
        );
        assert!(
            list_files("memory://listing/none")
                .unwrap_err()
                .to_string()
                .contains("no input files")
        );
    }

    fn paths(inputs: &[&str], outputs: &[&str]) -> JobPaths {
        JobPaths {
            inputs: inputs.iter().map(|s| s.to_string()).collect(),
            outputs: outputs.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn outputs_never_overlap_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let books = dir.path().join("books");
        std::fs::create_dir_all(books.join("sub")).unwrap();
        std::fs::write(books.join("a.txt"), "x").unwrap();
        let b = books.to_str().unwrap();
        let check = |input: &str, output: &str| {
            check_outputs(&paths(&[input], &[output]), true).map_err(|e| e.to_string())
        };
        for output in [
            format!("{b}/"),
            b.to_string(),
            format!("{b}/sub/out/"),
            format!("{b}/a.txt"),
            format!("{}/", dir.path().display()),
            format!("file://{b}/"),
            format!("{b}/sub/../"),
        ] {
            let err = check(b, &output).unwrap_err();
            assert!(err.contains("input"), "{output}: {err}");
        }
        // A glob's fixed folder counts; a sibling does not.
        assert!(check(&format!("{b}/*.txt"), &format!("{b}/out/")).is_err());
        assert!(check(b, &format!("{}/books-out/", dir.path().display())).is_ok());
        assert!(check("memory://m/in/", "memory://m/in/out/").is_err());
        assert!(check("memory://m/in/", "memory://other/in/").is_ok());
        let two = paths(&[], &["memory://m/o/", "memory://m/o/x.csv"]);
        assert!(
            check_outputs(&two, true)
                .unwrap_err()
                .to_string()
                .contains("overlap")
        );
    }

    #[test]
    fn existing_outputs_are_refused_without_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("out");
        std::fs::create_dir_all(&folder).unwrap();
        let f = format!("{}/", folder.display());
        assert!(check_outputs(&paths(&[], &[&f]), false).is_ok(), "empty");
        std::fs::write(folder.join("notes.txt"), "mine").unwrap();
        let err = check_outputs(&paths(&[], &[&f]), false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not empty") && err.contains("notes.txt"),
            "{err}"
        );
        assert!(check_outputs(&paths(&[], &[&f]), true).is_ok());
        let file = folder.join("notes.txt");
        let err = check_outputs(&paths(&[], &[file.to_str().unwrap()]), false).unwrap_err();
        assert!(err.to_string().contains("exists"), "{err}");
        assert!(check_outputs(&paths(&[], &[file.to_str().unwrap()]), true).is_ok());
        // A file where a folder is meant, and the other way round.
        let as_folder = format!("{}/", file.display());
        assert!(check_outputs(&paths(&[], &[&as_folder]), true).is_err());
        assert!(check_outputs(&paths(&[], &[folder.to_str().unwrap()]), true).is_err());
        // Object stores too.
        resolve("memory://exists/out/a.csv")
            .unwrap()
            .write(Bytes::from_static(b"x"))
            .unwrap();
        assert!(check_outputs(&paths(&[], &["memory://exists/out/"]), false).is_err());
        assert!(check_outputs(&paths(&[], &["memory://exists/out/a.csv"]), false).is_err());
        assert!(check_outputs(&paths(&[], &["memory://exists/new/"]), false).is_ok());
    }

    #[test]
    fn unwritable_places_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let below = format!("{}/sub", file.display());
        for (url, is_file) in [
            ("/proc/nope", false),
            ("/proc/nope/o.csv", true),
            (&below[..], false),
        ] {
            let err = check_writable(url, is_file).unwrap_err().to_string();
            assert!(err.starts_with(url), "{err}");
        }
        let fresh = dir.path().join("new/deeper");
        check_writable(fresh.to_str().unwrap(), false).unwrap();
        assert!(!fresh.exists(), "checking creates nothing");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no probe left"
        );
        check_writable("memory://w/out/", false).unwrap();
    }

    #[test]
    fn publishing_names_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let staged = dir.path().join("staged");
        std::fs::write(&staged, "x").unwrap();
        let err = resolve("/proc/nope/o.csv")
            .unwrap()
            .publish_file(&staged)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/proc/nope/o.csv: "), "{err}");
    }

    #[test]
    fn local_paths_and_file_urls_agree() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.txt");
        std::fs::write(&file, b"hello world").unwrap();
        let a = list_files(file.to_str().unwrap()).unwrap();
        let b = list_files(&format!("file://{}", file.display())).unwrap();
        assert_eq!(a[0].size, 11);
        assert_eq!(a[0].location.path, b[0].location.path);
        assert_eq!(&a[0].location.read_range(6..11).unwrap()[..], b"world");
        assert!(
            resolve("ftp://x/y")
                .unwrap_err()
                .to_string()
                .contains("unsupported URL scheme")
        );
    }
}
