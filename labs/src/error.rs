//! What can stop a lab, and whether the input or the run is to blame.

use std::path::PathBuf;
use streamlab_sim::scenario::ScenarioError;
use streamlab_sim::{Scenario, SimError};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum LabError {
    /// The scenario given to the lab lacks something the lab needs.
    #[error("scenario `{scenario}` {problem}")]
    Unfit { scenario: String, problem: String },
    /// A scenario as the lab changed it is not valid: the given scenario does not fit the lab's sweep.
    #[error(
        "scenario `{scenario}` as this lab changes it is not valid: {error}; the lab varies the scenario it is \
         given, so start from its built-in one (`streamlab scenario show` with the lab's id)"
    )]
    Scenario { scenario: String, error: ScenarioError },
    /// The simulation stopped: a run outcome, not bad input.
    #[error("scenario `{scenario}`: {error}")]
    Sim { scenario: String, error: Box<SimError> },
    #[error("writing {}: {error}; check that the folder is writable", path.display())]
    Io { path: PathBuf, error: std::io::Error },
    #[error("drawing figure `{figure}`: {problem}")]
    Figure { figure: String, problem: String },
    /// A result one part of the labs expected from another is absent: a defect in the labs.
    #[error("{0}")]
    Missing(String),
}

impl LabError {
    /// Whether what the user gave is to blame (exit code 2) rather than the run (exit code 1).
    pub fn is_bad_input(&self) -> bool {
        matches!(self, LabError::Unfit { .. } | LabError::Scenario { .. })
    }

    /// For `map_err` on a run of scenario `s`.
    pub fn sim(s: &Scenario) -> impl FnOnce(SimError) -> LabError + use<> {
        let scenario = s.name.clone();
        move |error| LabError::Sim { scenario, error: Box::new(error) }
    }

    /// For `map_err` on a file operation on `path`.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> LabError {
        let path = path.into();
        move |error| LabError::Io { path, error }
    }
}

pub type Result<T, E = LabError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::{base, world};

    #[test]
    fn a_changed_scenario_is_validated_again_and_blamed_on_the_input() {
        let mut s = base("quickstart", None);
        s.topic.partitions = 0;
        let e = world(&s).err().expect("0 partitions is refused");
        assert!(
            matches!(&e, LabError::Scenario { error: ScenarioError::Invalid { key, .. }, .. } if key == "topic.partitions")
        );
        assert!(e.is_bad_input());
        assert!(e.to_string().contains("streamlab scenario show"), "{e}");
    }

    #[test]
    fn the_event_limit_is_an_outcome_of_the_run_not_bad_input() {
        let mut s = base("quickstart", None);
        s.run.max_events = 10;
        let e = streamlab_sim::World::new(&s).run().map_err(LabError::sim(&s)).expect_err("stops at 10 events");
        assert!(matches!(&e, LabError::Sim { error, .. } if matches!(**error, SimError::EventLimit(10, _))));
        assert!(!e.is_bad_input());
        assert!(
            e.to_string().starts_with("scenario `quickstart`: ") && e.to_string().contains("raise run.max_events"),
            "{e}"
        );
    }
}
