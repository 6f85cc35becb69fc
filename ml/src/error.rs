//! The crate's error type: whose fault it is, and what to fix.

/// The result of a fallible ML call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong when building, fitting, applying, saving or loading a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter has a bad value or an unknown name (the user's fault).
    #[error("parameter {name}: {message}")]
    Param {
        /// The parameter's documented name, e.g. `max-iter`.
        name: String,
        /// What is wrong with its value.
        message: String,
    },
    /// A column is missing or has the wrong type (the user's fault).
    #[error("column {name:?}: {message}")]
    Column {
        /// The column's name.
        name: String,
        /// What is wrong with it.
        message: String,
    },
    /// A saved model cannot be read: wrong format, version or kind.
    #[error("model file {url}: {message}")]
    ModelFile {
        /// Where the file is.
        url: String,
        /// What is wrong with it.
        message: String,
    },
    /// The data does not fit the request (e.g. no rows to fit on).
    #[error("invalid data: {0}")]
    Data(String),
    /// An error of the engine (storage, job, input format).
    #[error(transparent)]
    Engine(strom_core::Error),
}

impl Error {
    /// A bad parameter value.
    pub fn param(name: &str, message: impl Into<String>) -> Self {
        Error::Param {
            name: name.to_string(),
            message: message.into(),
        }
    }

    /// A bad column.
    pub fn column(name: &str, message: impl Into<String>) -> Self {
        Error::Column {
            name: name.to_string(),
            message: message.into(),
        }
    }
}

/// An engine error; a job that failed with a column's or parameter's error reported at
/// run time (a bad value in a row) gives that error back as such.
impl From<strom_core::Error> for Error {
    fn from(e: strom_core::Error) -> Self {
        use strom_core::JobFailure;
        if let strom_core::Error::Job(JobFailure::Reported(message)) = &e {
            let column = message.strip_prefix("column \"");
            if let Some((name, what)) = column.and_then(|r| r.split_once("\": ")) {
                return Error::column(name, what);
            }
            let param = message.strip_prefix("parameter ");
            if let Some((name, what)) = param.and_then(|r| r.split_once(": ")) {
                return Error::param(name, what);
            }
        }
        Error::Engine(e)
    }
}

impl From<Error> for strom_core::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::Engine(inner) => inner,
            other => strom_core::Error::Plan(other.to_string()),
        }
    }
}
