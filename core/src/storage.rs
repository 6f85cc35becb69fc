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
            let base = format!("{}://{}", parsed.scheme(), parsed.authority());
            let options =
                object_store::ClientOptions::new().with_allow_http(parsed.scheme() == "http");
            let store = object_store::http::HttpBuilder::new()
                .with_url(base)
                .with_client_options(options)
                .build()
                .map_err(|e| Error::storage(url, e))?;
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
    let absolute = std::path::absolute(path)?;
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
        let listed =
            block_on(async move { store.list(Some(&prefix)).try_collect::<Vec<_>>().await })
                .map_err(|e| Error::storage(&owned_url, e))?;
        listed
            .into_iter()
            .filter(|m| pattern.is_match(m.location.as_ref()))
            .map(|m| (m.location, m.size))
            .collect()
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
            std::fs::create_dir_all(parent)?;
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
    /// [`Error::Io`] or [`Error::Storage`].
    pub fn publish_file(&self, staged: &std::path::Path) -> Result<()> {
        if let Some(target) = &self.local {
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            if std::fs::rename(staged, target).is_err() {
                std::fs::copy(staged, target)?;
                std::fs::remove_file(staged)?;
            }
            return Ok(());
        }
        let size = std::fs::metadata(staged)?.len();
        if size <= 16 << 20 {
            let bytes = std::fs::read(staged)?;
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
        std::fs::remove_file(staged)?;
        Ok(())
    }

    /// Deletes every object below this location (used to clear an output folder).
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn delete_prefix(&self) -> Result<()> {
        if let Some(local) = &self.local {
            if local.is_dir() {
                std::fs::remove_dir_all(local)?;
            } else if local.exists() {
                std::fs::remove_file(local)?;
            }
            return Ok(());
        }
        let (store, path) = (self.store.clone(), self.path.clone());
        block_on(async move {
            let listed: Vec<_> = store.list(Some(&path)).try_collect().await?;
            for meta in listed {
                store.delete(&meta.location).await?;
            }
            Ok::<_, object_store::Error>(())
        })
        .map_err(|e| Error::storage(&self.url, e))
    }
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
