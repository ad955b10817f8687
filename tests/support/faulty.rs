//! A handler error whose own code panics (`Display`, `error_type` or
//! `respond`, as `Faulty` says), for the tests that check such a panic is
//! reported instead of escaping.

use lambda_zero::{HandlerError, Output};
use std::fmt;

/// Which of its methods panics.
#[derive(Debug, Clone, Copy)]
pub enum Faulty {
    Display,
    ErrorType,
    Respond,
}

impl fmt::Display for Faulty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Faulty::Display = self {
            panic!("Display of the error panicked");
        }
        f.write_str("a faulty error")
    }
}

impl HandlerError for Faulty {
    fn error_type(&self) -> &str {
        if let Faulty::ErrorType = self {
            panic!("error_type panicked");
        }
        "Test.Faulty"
    }

    fn respond(&self, _event: &[u8], _out: &mut Output<'_>) -> bool {
        if let Faulty::Respond = self {
            panic!("respond panicked");
        }
        false
    }
}
