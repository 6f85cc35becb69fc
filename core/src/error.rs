//! The error type of strom-core, and the `Result` alias used across the workspace.

/// `Result` with strom-core's [`enum@Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong below the user API. Variants say whose fault it is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is missing, malformed or inconsistent (the user's fault).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A job plan is invalid (the user's fault), e.g. an unsupported URL scheme.
    #[error("invalid plan: {0}")]
    Plan(String),
    /// Input data does not match what was asked for: names the file and the row or line.
    #[error("{location}: {message}")]
    Format {
        /// Where the bad data is: `file`, `file:line N` or `file: row N, column C`.
        location: String,
        /// What is wrong with it.
        message: String,
    },
    /// Reading or writing through object_store failed.
    #[error("storage error at {url}: {source}")]
    Storage {
        /// The URL that was being accessed.
        url: String,
        /// The underlying error.
        #[source]
        source: object_store::Error,
    },
    /// A local I/O error at a path or URL.
    #[error("{path}: {source}")]
    Path {
        /// The file or folder that was being accessed.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A local I/O error.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The job failed: which worker, and why.
    #[error("job failed: {0}")]
    Job(JobFailure),
    /// A bug in Strom.
    #[error("internal error: {0} (this is a bug)")]
    Internal(String),
}

/// How a job failed ([`Error::Job`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JobFailure {
    /// A worker of this process panicked: a user function's bug, or an operator that
    /// failed (a sink that cannot write names what).
    #[error("{}{message}", match operator {
        Some(name) => format!("operator {name:?} failed on worker {worker}: "),
        None => format!("worker {worker} panicked: "),
    })]
    Panicked {
        /// The worker's index in the job.
        worker: usize,
        /// The operator of the program whose function panicked, by the name the
        /// status page shows, when known (the job reports its operators' names).
        operator: Option<String>,
        /// The panic's message.
        message: String,
    },
    /// A worker (of this or another process) reported an error of a source or sink;
    /// the job failed as a whole, and published nothing.
    #[error("{0}")]
    Reported(String),
    /// Every worker succeeded but publishing the staged output failed on one.
    #[error("publishing output failed: {0}")]
    Publishing(String),
    /// The process is ending (a signal came): nothing was published, not even in part.
    #[error("the process is ending: nothing published")]
    Interrupted,
    /// This worker stopped because another worker of the job failed.
    #[error("stopped: another worker of this job failed")]
    Stopped,
    /// A worker thread ended without a result (timely's own failure).
    #[error("a worker panicked: {0}")]
    Lost(String),
    /// A connection to another process of the cluster broke (that process ended).
    #[error("the connection to another process of the cluster broke ({0})")]
    Disconnected(String),
}

impl Error {
    /// A [`Error::Format`] error at `location`.
    pub fn format(location: impl Into<String>, message: impl std::fmt::Display) -> Self {
        Error::Format {
            location: location.into(),
            message: message.to_string(),
        }
    }

    /// Whether the error says a file or object does not exist.
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::Storage { source, .. } => matches!(source, object_store::Error::NotFound { .. }),
            Error::Io(e) | Error::Path { source: e, .. } => {
                e.kind() == std::io::ErrorKind::NotFound
            }
            _ => false,
        }
    }

    /// A [`Error::Path`] error: `source` met at `path` (a local path or URL).
    pub fn path(path: impl std::fmt::Display, source: std::io::Error) -> Self {
        Error::Path {
            path: path.to_string(),
            source,
        }
    }

    /// A [`Error::Storage`] error for `url`.
    pub fn storage(url: impl Into<String>, source: object_store::Error) -> Self {
        Error::Storage {
            url: url.into(),
            source,
        }
    }
}
