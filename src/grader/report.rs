//! Grades and their formats: a readable table, JSON, Gradescope's results.json and JUnit XML.

use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct CheckResult {
    pub name: String,
    pub points: u32,
    pub passed: bool,
    /// Why it failed, and a hint; empty when passed.
    pub message: String,
}

impl CheckResult {
    /// A check's result; the message may quote what a student's program or file produced, so its control
    /// characters are written as escapes (a terminal escape could repaint the report into a fake "5/5",
    /// and XML cannot hold them at all) and it is cut after `MAX_MESSAGE_CHARS` (one check's feedback was
    /// once 7 MB of a student's list).
    pub fn new(name: &str, points: u32, passed: bool, message: &str) -> Self {
        const MAX_MESSAGE_CHARS: usize = 2000;
        let printable = |c: char| {
            if c.is_control() && c != '\n' && c != '\t' { c.escape_default().to_string() } else { c.to_string() }
        };
        let mut shown: String = message.chars().take(MAX_MESSAGE_CHARS).map(printable).collect();
        let more = message.chars().count().saturating_sub(MAX_MESSAGE_CHARS);
        if more > 0 {
            shown += &format!(" … ({more} more characters)");
        }
        let message = shown;
        CheckResult { name: name.to_string(), points, passed, message }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ExerciseResult {
    pub id: String,
    pub checks: Vec<CheckResult>,
}

impl ExerciseResult {
    pub fn score(&self) -> u32 {
        self.checks.iter().filter(|c| c.passed).map(|c| c.points).sum()
    }

    pub fn max(&self) -> u32 {
        self.checks.iter().map(|c| c.points).sum()
    }

    pub fn all_failed<'a>(id: &str, checks: impl Iterator<Item = (&'a str, u32)>, message: &str) -> Self {
        ExerciseResult {
            id: id.to_string(),
            checks: checks.map(|(name, points)| CheckResult::new(name, points, false, message)).collect(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Grade {
    pub student: String,
    /// Self-check or graded, and where the inputs came from.
    pub mode: String,
    pub exercises: Vec<ExerciseResult>,
}

impl Grade {
    pub fn score(&self) -> u32 {
        self.exercises.iter().map(ExerciseResult::score).sum()
    }

    pub fn max(&self) -> u32 {
        self.exercises.iter().map(ExerciseResult::max).sum()
    }

    pub fn text(&self) -> String {
        let mut s = format!("student: {}\n{}\n\n{:<18} {:>7}  checks\n", self.student, self.mode, "exercise", "score");
        for e in &self.exercises {
            let passed = e.checks.iter().filter(|c| c.passed).count();
            s += &format!("{:<18} {:>3}/{:<3}  {passed}/{} passed\n", e.id, e.score(), e.max(), e.checks.len());
        }
        s += &format!("{:<18} {:>3}/{:<3}\n", "total", self.score(), self.max());
        let failures: Vec<String> = self
            .exercises
            .iter()
            .flat_map(|e| {
                e.checks.iter().filter(|c| !c.passed).map(move |c| format!("- {}/{}: {}", e.id, c.name, c.message))
            })
            .collect();
        if !failures.is_empty() {
            s += &format!("\nfailed checks:\n{}\n", failures.join("\n"));
        }
        s
    }

    /// The grade as a JSON value: the student, the mode, the scores, every check.
    pub fn value(&self) -> serde_json::Value {
        let exercises: Vec<serde_json::Value> = self
            .exercises
            .iter()
            .map(|e| serde_json::json!({ "id": e.id, "score": e.score(), "max_score": e.max(), "checks": e.checks }))
            .collect();
        serde_json::json!({
            "student": self.student,
            "mode": self.mode,
            "score": self.score(),
            "max_score": self.max(),
            "exercises": exercises,
        })
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(&self.value()).expect("serializable") + "\n"
    }

    /// Gradescope's autograder results.json: one test per check.
    pub fn gradescope(&self) -> String {
        let tests: Vec<serde_json::Value> = self
            .exercises
            .iter()
            .flat_map(|e| {
                e.checks.iter().map(move |c| {
                    serde_json::json!({
                        "name": format!("{}: {}", e.id, c.name),
                        "score": if c.passed { c.points } else { 0 },
                        "max_score": c.points,
                        "output": if c.passed { "passed".to_string() } else { c.message.clone() },
                        "visibility": "visible",
                    })
                })
            })
            .collect();
        let out = serde_json::json!({
            "score": self.score(),
            "max_score": self.max(),
            "output": self.mode,
            "tests": tests,
        });
        serde_json::to_string_pretty(&out).expect("serializable") + "\n"
    }

    pub fn junit(&self) -> String {
        let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
        let total: usize = self.exercises.iter().map(|e| e.checks.len()).sum();
        let failures: usize = self.exercises.iter().map(|e| e.checks.iter().filter(|c| !c.passed).count()).sum();
        let mut s = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"streamlab\" tests=\"{total}\" failures=\"{failures}\">\n"
        );
        for e in &self.exercises {
            let f = e.checks.iter().filter(|c| !c.passed).count();
            s += &format!("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{f}\">\n", esc(&e.id), e.checks.len());
            for c in &e.checks {
                s += &format!("    <testcase name=\"{}\" classname=\"{}\"", esc(&c.name), esc(&e.id));
                if c.passed {
                    s += "/>\n";
                } else {
                    s += &format!(">\n      <failure message=\"{}\"/>\n    </testcase>\n", esc(&c.message));
                }
            }
            s += "  </testsuite>\n";
        }
        s + "</testsuites>\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_printable_and_cut() {
        let c = CheckResult::new("x", 1, false, "a\u{1b}[2Kb\u{1}\nc");
        assert_eq!(c.message, "a\\u{1b}[2Kb\\u{1}\nc");
        let c = CheckResult::new("x", 1, false, &"é".repeat(2500));
        assert_eq!(c.message, format!("{} … (500 more characters)", "é".repeat(2000)));
    }
}
