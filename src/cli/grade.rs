//! `grade` and `exercise`: the exercises graded, listed and shown.

use super::{as_bad, bad, out_dir};
use crate::grader::report::Grade;
use crate::grader::{self, MEASURES};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct GradeArgs {
    /// Student id: selects the personal variant of the measurement questions and, with a secret, the inputs.
    #[arg(long, default_value = "anonymous", value_parser = student_id)]
    student: String,
    /// The exercises folder: one student's work (or a folder holding it as exercises/).
    #[arg(long, default_value = "exercises")]
    exercises: PathBuf,
    /// Grade only this exercise: an id (`partitioner`), a folder (`01_partitioner`), measurements, concepts,
    /// or one question (`m1`, `c3`).
    #[arg(long)]
    exercise: Option<String>,
    /// How the report is written (with --class: each student's report in OUT/students).
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    /// Write the report here instead of standard output (with --class: the folder for scores.csv, scores.json
    /// and students/).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The instructor's secret: graded inputs derive from it and the student id (else $STREAMLAB_SECRET;
    /// without either, a self-check on public inputs).
    #[arg(long)]
    secret_file: Option<PathBuf>,
    /// The instructor folder: reference solutions, wrong solutions, the concept key.
    #[arg(long, default_value = "instructor")]
    instructor: PathBuf,
    /// Run student code without bubblewrap (it can then touch your files, the network and processes).
    #[arg(long)]
    unsandboxed: bool,
    /// Grade every student folder (named by student id) in this folder.
    #[arg(long)]
    class: Option<PathBuf>,
    /// Students graded at once with --class (default: the number of cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Seal this plain concept key (kept outside the handout) with --secret-file into
    /// INSTRUCTOR/concepts.sealed.toml, the only key grading reads.
    #[arg(long, value_name = "PLAIN")]
    seal_concepts: Option<PathBuf>,
    /// Write the Gradescope autograder zip (needs --secret-file).
    #[arg(long)]
    package_gradescope: Option<PathBuf>,
    /// Take the student id from Gradescope's submission_metadata.json.
    #[arg(long)]
    gradescope_metadata: Option<PathBuf>,
    /// Instructors and CI: stubs score 0, reference solutions full marks, wrong solutions lose points.
    #[arg(long)]
    check_course: bool,
}

/// How a grade is written.
#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
    Gradescope,
    Junit,
}

impl ReportFormat {
    /// The file name extension of a student's report in a class's folder.
    fn extension(self) -> &'static str {
        match self {
            ReportFormat::Text => "txt",
            ReportFormat::Json => "json",
            ReportFormat::Gradescope => "gradescope.json",
            ReportFormat::Junit => "xml",
        }
    }

    fn render(self, g: &Grade) -> String {
        match self {
            ReportFormat::Text => g.text(),
            ReportFormat::Json => g.json(),
            ReportFormat::Gradescope => g.gradescope(),
            ReportFormat::Junit => g.junit(),
        }
    }
}

/// `--student`: every variant and graded input derives from the id, so a blank one is surely a mistake.
fn student_id(id: &str) -> Result<String, String> {
    if id.trim().is_empty() {
        return Err("the student id is empty: give one, e.g. --student s01".into());
    }
    Ok(id.to_string())
}

impl GradeArgs {
    pub fn run(self) -> Result<()> {
        let inputs = grader::secret::Inputs::from_args(self.secret_file.as_deref()).map_err(as_bad)?;
        if let Some(plain) = self.seal_concepts {
            let secret = inputs
                .secret()
                .ok_or_else(|| bad("--seal-concepts needs the secret: --secret-file FILE (or $STREAMLAB_SECRET)"))?;
            return grader::seal_concepts(&plain, secret, &self.instructor).map_err(as_bad);
        }
        if let Some(zip) = self.package_gradescope {
            let secret = self
                .secret_file
                .ok_or_else(|| bad("--package-gradescope needs --secret-file FILE: the package carries the secret"))?;
            return grader::gradescope::package(&zip, &secret, &self.instructor).map_err(as_bad);
        }
        // Checked before grading, which takes minutes: the report would be lost at the end.
        match (&self.class, &self.out) {
            (Some(_), Some(out)) => out_dir("--out", out)?,
            (None, Some(out)) if out.is_dir() => {
                return Err(bad(format!(
                    "--out {} is a folder: give the report's file name, e.g. {}",
                    out.display(),
                    out.join(format!("report.{}", self.format.extension())).display()
                )));
            }
            _ => {}
        }
        let sandbox = grader::sandbox::Sandbox::detect(self.unsandboxed).map_err(as_bad)?;
        if self.unsandboxed {
            eprintln!("warning: grading without a sandbox: {}", grader::sandbox::UNSANDBOXED_RISK);
        }
        let opts = grader::Options { inputs, sandbox, instructor: self.instructor, only: self.exercise };
        if self.check_course {
            let problems = grader::check_course(&self.exercises, &opts)?;
            if problems.is_empty() {
                println!(
                    "course check passed: stubs score 0, reference solutions full marks, wrong solutions lose points"
                );
                return Ok(());
            }
            bail!("course check failed:\n  {}", problems.join("\n  "));
        }
        if let Some(class) = self.class {
            if opts.inputs.secret().is_none() {
                return Err(bad(
                    "grading a class needs the instructor's secret: --secret-file FILE (or $STREAMLAB_SECRET); \
                     without it the inputs are the public ones and concept answers go ungraded",
                ));
            }
            let out = self.out.unwrap_or_else(|| PathBuf::from("grades"));
            let jobs = self.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let report =
                grader::class::Report { extension: self.format.extension(), render: &|g| self.format.render(g) };
            return grader::class::grade_class(&class, &out, jobs, &opts, report).map_err(as_bad);
        }
        let student = match self.gradescope_metadata {
            Some(m) => grader::gradescope::student_id(&m).map_err(as_bad)?,
            None => self.student,
        };
        let g = grader::grade(&grader::exercise_folder(&self.exercises), &student, &opts).map_err(as_bad)?;
        write_or_print(self.out.as_deref(), &self.format.render(&g))
    }
}

fn write_or_print(out: Option<&Path>, text: &str) -> Result<()> {
    match out {
        Some(path) => std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum ExerciseCommand {
    /// Every exercise: code, measurement and concept questions.
    List,
    /// One exercise: a measurement's personal question, a concept question, or where a code exercise lives.
    Show {
        /// An exercise id (`partitioner`, `m1`, `c1`) or folder (`01_partitioner`).
        id: String,
        /// The student whose variant of a measurement question to show.
        #[arg(long, default_value = "anonymous", value_parser = student_id)]
        student: String,
    },
    /// A measurement exercise's scenario, as the student's variant: `> m1.toml`.
    Scenario {
        /// A measurement exercise id (m1, m2, m3).
        id: String,
        #[arg(long, default_value = "anonymous", value_parser = student_id)]
        student: String,
    },
}

impl ExerciseCommand {
    pub fn run(self) -> Result<()> {
        match self {
            ExerciseCommand::List => {
                for ex in grader::code_exercises()? {
                    println!("{:<20} code: exercises/{}/{}.rs", ex.id, ex.folder, ex.id);
                }
                for m in MEASURES {
                    println!(
                        "{:<20} measurement ({} points): streamlab exercise show {} --student ID",
                        m.id, m.points, m.id
                    );
                }
                println!("{:<20} concept questions: streamlab exercise show c1", "c1 .. c6");
            }
            ExerciseCommand::Show { id, student } => show(&id, &student)?,
            ExerciseCommand::Scenario { id, student } => {
                let m = MEASURES
                    .iter()
                    .find(|m| m.id == id)
                    .ok_or_else(|| bad(format!("`{id}` is not a measurement exercise (m1, m2, m3)")))?;
                let (s, _) = (m.variant)(grader::student_seed(&student));
                print!("# {id}: the scenario of student {student}\n{}", s.to_toml());
            }
        }
        Ok(())
    }
}

fn show(id: &str, student: &str) -> Result<()> {
    if let Some(m) = MEASURES.iter().find(|m| m.id == id) {
        let (_, q) = (m.variant)(grader::student_seed(student));
        println!("{id} (student {student})\n\nkk: {}\nen: {}\n", q.kk, q.en);
        println!("streamlab exercise scenario {id} --student {student} > {id}.toml");
        println!("then answer in exercises/answers.toml: [measure] {id} = NUMBER");
        return Ok(());
    }
    if let Some(c) = grader::concept_text(id) {
        println!("{id}\n\n{}\n\n{}\n\nanswer in exercises/answers.toml: [concept] {id} = \"LETTER\"", c.kk, c.en);
        return Ok(());
    }
    if let Some(ex) = grader::find_code(id)? {
        println!("exercises/{}/README.md describes it; edit exercises/{}/{}.rs", ex.folder, ex.folder, ex.id);
        return Ok(());
    }
    Err(bad(format!("no exercise `{id}`: see `streamlab exercise list`")))
}
