//! Checkpoints: barriers injected at the sources, aligned snapshots, the two-phase-commit sink that
//! makes results visible when the checkpoint completes, and the restart from the last completed one.

use super::*;
use std::collections::BTreeSet;

impl FlinkEngine {
    /// A two-phase-commit sink: results wait for the checkpoint that follows them.
    pub(super) fn commits_at_checkpoints(&self) -> bool {
        self.cfg.sink == SinkMode::ExactlyOnce && self.cfg.checkpoint_interval_ms > 0
    }

    pub(super) fn sink(&mut self, k: usize, results: Vec<(Output, ResultId)>, members: &[Member], t: SimTime) {
        if self.commits_at_checkpoints() {
            self.tasks[k].pending.push((results, members.to_vec()));
        } else {
            self.make_visible(results, members, t);
        }
    }

    /// The sink shows a result. A restart replays from the last completed checkpoint, so with an
    /// at-least-once sink the results shown since then are shown again: the same (window, key, firing),
    /// possibly with other contents (Flink docs, "Fault Tolerance Guarantees of Data Sources and Sinks":
    /// exactly-once output needs a transactional sink).
    pub(super) fn make_visible(&mut self, mut results: Vec<(Output, ResultId)>, members: &[Member], at: SimTime) {
        for (out, _) in &mut results {
            out.emit = at;
        }
        self.fates.visible(&results, members, &mut self.metrics);
    }

    /// CheckpointRequestDecider: one checkpoint at a time (execution.checkpointing.max-concurrent-checkpoints,
    /// default 1); a periodic trigger while one is under way waits for it to complete.
    pub(super) fn trigger_checkpoint(&mut self) {
        if self.checkpoints.is_empty() {
            self.inject_checkpoint();
        } else {
            self.checkpoint_due = true;
        }
    }

    fn inject_checkpoint(&mut self) {
        let id = u64::from(self.fates.begin_restore_point());
        self.checkpoints.insert(
            id,
            CheckpointProgress {
                offsets: self.offsets.snapshot(),
                snapshots: vec![None; self.parallelism],
                precommitted: Vec::new(),
            },
        );
        for s in 0..self.parallelism {
            let t = self.now.max(self.sources[s].busy);
            self.broadcast(s, t, Item::Barrier(id));
        }
    }

    pub(super) fn on_barrier(&mut self, k: usize, from: usize, id: u64) {
        if !self.checkpoints.contains_key(&id) {
            return; // abandoned at the end of input
        }
        let inputs = self.parallelism;
        let task = &mut self.tasks[k];
        let seen = match &mut task.aligning {
            Some((cur, seen)) if *cur == id => seen,
            _ => {
                task.aligning = Some((id, vec![false; inputs]));
                &mut task.aligning.as_mut().expect("just set").1
            }
        };
        seen[from] = true;
        if !seen.iter().all(|&b| b) {
            return;
        }
        // Aligned: snapshot the state (asynchronously, so no extra time on the task), then unblock.
        task.aligning = None;
        let snap = Snapshot { state: task.state.clone(), wm: task.valve.watermark() };
        let pending = std::mem::take(&mut task.pending);
        if let Some(cp) = self.checkpoints.get_mut(&id) {
            cp.snapshots[k] = Some(snap);
            cp.precommitted.extend(pending);
        }
        let held = std::mem::take(&mut self.tasks[k].held);
        for (from, item) in held {
            self.on_deliver(k, from, item);
        }
        let complete = self.checkpoints.get(&id).is_some_and(|cp| cp.snapshots.iter().all(Option::is_some));
        if complete {
            self.complete_checkpoint(id);
        }
    }

    pub(super) fn complete_checkpoint(&mut self, id: u64) {
        let cp = self.checkpoints.remove(&id).expect("in progress");
        let at = self.now.max(self.tasks.iter().map(|t| t.busy).max().unwrap_or(SimTime::ZERO));
        // Two-phase commit: the transactions of this checkpoint commit now.
        for (results, members) in cp.precommitted {
            self.make_visible(results, &members, at);
        }
        let snapshots: Vec<Snapshot> = cp.snapshots.into_iter().map(|s| s.expect("complete")).collect();
        // A restart goes back no further than this checkpoint: what was decided before it began is final.
        self.fates.restore_point(id as u32);
        self.last_completed = Some(Completed { offsets: cp.offsets, snapshots });
        if std::mem::take(&mut self.checkpoint_due) {
            self.inject_checkpoint();
        }
    }

    pub(super) fn restart(&mut self) {
        self.down = false;
        let (subtasks, now) = (self.parallelism, self.now);
        // A checkpoint holds the keyed state (windows and their timers) and the source's offsets, no
        // watermark: the window operator's watermark (InternalTimerServiceImpl.currentWatermark), its
        // inputs' watermarks and statuses (a new StatusWatermarkValve) and the sources' watermark
        // generators and idleness timers all start afresh, at Long.MIN_VALUE and ACTIVE. "Flink generates
        // the watermark as the first step of recovery instead of storing the latest watermark in the
        // operators" (docs, "Checkpointing under backpressure"); until the sources emit one, no record
        // counts as late (FLINK-5601), and a window that had closed can open again.
        for (k, task) in self.tasks.iter_mut().enumerate() {
            let snap = self.last_completed.as_ref().map(|c| &c.snapshots[k]);
            task.state = snap.map(|s| s.state.clone()).unwrap_or_default();
            task.closed_before.push(snap.map_or(EventTime::MIN, |s| s.wm));
            task.valve = Valve::new(subtasks);
            task.busy = now;
        }
        for src in &mut self.sources {
            *src = Source::new(src.splits(), now);
        }
        // Timers are snapshotted with the keyed state (InternalTimerServiceImpl): a restored processing-time
        // window's timer fires at its end, at once if that has passed.
        if self.pipe.time == TimeDomain::Processing {
            let ends: BTreeSet<EventTime> =
                self.tasks.iter().flat_map(|t| t.state.select(|_| true, |_| true)).map(|(w, _)| w.end).collect();
            for end in ends {
                self.queue.push(end.as_sim_time().max(now), Ev::ProcTimer { epoch: self.epoch });
            }
        }
        self.channels = vec![Channel::default(); subtasks * subtasks];
        // The Kafka source rewinds to the checkpoint's offsets (from the start without one) and reads
        // the log again. Without checkpointing it resumes from the offsets the Kafka consumer's auto-commit
        // stored (Flink's Kafka connector docs, "Consumer Offset Committing"); this model resumes where the
        // source was, leaving out auto-commit's rewind of up to auto.commit.interval.ms. (Flink restarts
        // such a job only under a configured restart strategy: the scenario's restart delay plays one.)
        if self.cfg.checkpoint_interval_ms > 0 {
            let to = self.last_completed.as_ref().map(|c| c.offsets.clone()).unwrap_or_default();
            self.offsets.rewind(&to);
            self.rewind = Some(to);
        }
        // What neither the restored state holds nor the source reads again is lost.
        let kept: HashSet<RecordId> = self.tasks.iter().flat_map(|t| t.state.unreported_records()).collect();
        self.fates.restart(self.rewind.as_deref(), |id| kept.contains(&id), &mut self.metrics);
    }
}
