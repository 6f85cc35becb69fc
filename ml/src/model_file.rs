//! Model files: JSON at any storage URL, `{"format": "strom-ml-model", "version": 1,
//! "model": {"<kind>": {...}}}`, where the kind is the model's kebab-case name
//! ([`AnyModel::kind`]) and its body holds its parameters and what it learnt. A file of
//! another format, a newer version or an unknown kind is rejected with a message saying
//! which; an older version would be migrated here when there is one.

use serde::{Deserialize, Serialize};
use strom_core::storage::resolve;

use crate::any_model::AnyModel;
use crate::error::{Error, Result};

/// The format name in model files.
pub const FORMAT: &str = "strom-ml-model";
/// The version this library writes and reads.
pub const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct File<M> {
    format: String,
    version: u32,
    model: M,
}

/// Writes `model` to `url` (replacing a file there).
///
/// # Errors
/// Storage errors naming the URL.
pub fn save_model(model: &AnyModel, url: &str) -> Result<()> {
    let file = File {
        format: FORMAT.to_string(),
        version: VERSION,
        model,
    };
    let json = serde_json::to_vec_pretty(&file).map_err(|e| Error::ModelFile {
        url: url.to_string(),
        message: e.to_string(),
    })?;
    resolve(url)?.write(json.into())?;
    Ok(())
}

/// Reads the model at `url`.
///
/// # Errors
/// Storage errors, or [`Error::ModelFile`] for a file that is not a model file of a
/// version and kind this library knows.
pub fn load_model(url: &str) -> Result<AnyModel> {
    let bytes = resolve(url)?.read_all()?;
    parse_model(&bytes, url)
}

fn parse_model(bytes: &[u8], url: &str) -> Result<AnyModel> {
    let bad = |message: String| Error::ModelFile {
        url: url.to_string(),
        message,
    };
    let head: File<serde_json::Value> =
        serde_json::from_slice(bytes).map_err(|e| bad(format!("not a model file: {e}")))?;
    if head.format != FORMAT {
        return Err(bad(format!(
            "format {:?}, expected {FORMAT:?}",
            head.format
        )));
    }
    if head.version != VERSION {
        return Err(bad(format!(
            "format version {}, this library reads version {VERSION}",
            head.version
        )));
    }
    serde_json::from_value(head.model).map_err(|e| bad(format!("bad model: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_other_formats_and_versions() {
        let err = parse_model(br#"{"format":"x","version":1,"model":{}}"#, "u").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"model file u: format "x", expected "strom-ml-model""#
        );
        let err = parse_model(
            br#"{"format":"strom-ml-model","version":9,"model":{}}"#,
            "u",
        )
        .unwrap_err();
        assert!(err.to_string().contains("format version 9"), "{err}");
        let err = parse_model(
            br#"{"format":"strom-ml-model","version":1,"model":{"tree":{}}}"#,
            "u",
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown variant `tree`"), "{err}");
    }
}
