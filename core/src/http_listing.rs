//! Which files an `http(s)://` input names. A plain web server has no listing, only
//! pages, so an index page must never be read as data:
//!
//! - a URL that does not end in `/` and answers HEAD with anything but an HTML page is
//!   one file (as before);
//! - a URL ending in `/`, or one that answers with an HTML page (a server's folder
//!   index, after its redirect to `.../`), is a folder: it is listed with WebDAV
//!   `PROPFIND` (object_store's HTTP store), and a server that does not answer it is
//!   refused, saying so and what to do instead.

use futures::TryStreamExt;
use object_store::path::Path as StorePath;
use object_store::{Attribute, GetOptions, ObjectStore, RetryConfig};

use crate::error::{Error, Result};
use crate::io_runtime::block_on;

/// The HTTP store of `url`'s scheme and host, with object_store's retries, or `retries`.
///
/// # Errors
/// [`Error::Storage`] when the store cannot be built.
pub(crate) fn store(url: &url::Url, retries: Option<RetryConfig>) -> Result<impl ObjectStore> {
    let base = format!("{}://{}", url.scheme(), url.authority());
    let options = object_store::ClientOptions::new().with_allow_http(url.scheme() == "http");
    let builder = object_store::http::HttpBuilder::new()
        .with_url(base)
        .with_client_options(options);
    let builder = match retries {
        Some(r) => builder.with_retry(r),
        None => builder,
    };
    builder.build().map_err(|e| Error::storage(url.as_str(), e))
}

/// The files (path and size) `url`, an `http(s)://` URL at `path` of `store`, names;
/// hidden ones (`.x`, `_x`) of a folder left out by `hidden`.
///
/// # Errors
/// [`Error::Plan`] for a folder the server cannot list; [`Error::Storage`] when the
/// server fails.
pub(crate) fn files(
    url: &str,
    store: &std::sync::Arc<dyn ObjectStore>,
    path: &StorePath,
    hidden: impl Fn(&StorePath) -> bool,
) -> Result<Vec<(StorePath, u64)>> {
    if !url.ends_with('/') {
        let head = block_on({
            let (store, path) = (store.clone(), path.clone());
            let head = GetOptions {
                head: true,
                ..GetOptions::default()
            };
            async move { store.get_opts(&path, head).await }
        });
        match head {
            Ok(found) if !is_html(found.attributes.get(&Attribute::ContentType)) => {
                return Ok(vec![(found.meta.location, found.meta.size)]);
            }
            // A page: a folder's index, or a folder a WebDAV server lists.
            Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(Error::storage(url, e)),
        }
    }
    let parsed = url::Url::parse(url).map_err(|e| Error::Plan(format!("bad URL {url}: {e}")))?;
    // A server without WebDAV answers PROPFIND with an error at once: no retries.
    let once = RetryConfig {
        max_retries: 0,
        ..RetryConfig::default()
    };
    let lister = self::store(&parsed, Some(once))?;
    let listed = block_on({
        let path = path.clone();
        async move { lister.list(Some(&path)).try_collect::<Vec<_>>().await }
    });
    match listed {
        Ok(listed) => Ok(listed
            .into_iter()
            .filter(|m| !hidden(&m.location))
            .map(|m| (m.location, m.size))
            .collect()),
        Err(object_store::Error::NotFound { .. }) => Ok(Vec::new()),
        Err(e) => Err(Error::Plan(format!(
            "{url} is a folder (the server answers with a web page), and the server cannot \
             list it: it does not answer WebDAV PROPFIND ({e}). Strom never reads an index \
             page as data: name the files (e.g. {}/part-0.csv), or serve the folder over \
             WebDAV",
            url.trim_end_matches('/')
        ))),
    }
}

/// Whether a Content-Type is an HTML page.
fn is_html(content_type: Option<&object_store::AttributeValue>) -> bool {
    content_type.is_some_and(|t| {
        let t: &str = t.as_ref();
        t.trim().to_ascii_lowercase().starts_with("text/html")
    })
}
