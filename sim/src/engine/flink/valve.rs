//! StatusWatermarkValve: how an operator with several input channels turns their watermarks and
//! statuses into its own watermark.
//!
//! The operator's watermark is the minimum over the *aligned* channels: active ones whose watermark has
//! reached the operator's. An idle channel leaves the minimum; one that becomes active again rejoins it
//! only once its watermark catches up, so it never holds back what the others already passed. When the
//! last active channel goes idle, the operator takes the largest watermark of any channel.

use super::EventTime;

#[derive(Clone, Debug)]
pub(super) struct Valve {
    channels: Vec<Channel>,
    /// lastOutputWatermark.
    output: EventTime,
}

#[derive(Clone, Copy, Debug)]
struct Channel {
    wm: EventTime,
    idle: bool,
    aligned: bool,
}

impl Valve {
    /// Every channel active at Long.MIN_VALUE, and so aligned.
    pub fn new(inputs: usize) -> Self {
        let channel = Channel { wm: EventTime::MIN, idle: false, aligned: true };
        Valve { channels: vec![channel; inputs], output: EventTime::MIN }
    }

    /// The operator's watermark.
    pub fn watermark(&self) -> EventTime {
        self.output
    }

    /// inputWatermark: a watermark of an idle channel, or not above the channel's last, changes nothing.
    /// Returns the operator's new watermark, if it advanced.
    pub fn input_watermark(&mut self, c: usize, wm: EventTime) -> Option<EventTime> {
        let ch = &mut self.channels[c];
        if ch.idle || wm <= ch.wm {
            return None;
        }
        ch.wm = wm;
        ch.aligned |= wm >= self.output;
        self.advance_to_min()
    }

    /// inputWatermarkStatus: only a change of the channel's status counts. Returns the operator's new
    /// watermark, if it advanced.
    pub fn input_status(&mut self, c: usize, idle: bool) -> Option<EventTime> {
        let output = self.output;
        let ch = &mut self.channels[c];
        if ch.idle == idle {
            return None;
        }
        ch.idle = idle;
        ch.aligned = !idle && ch.wm >= output;
        let was_min = ch.wm == output;
        if !idle || !was_min {
            return None;
        }
        if self.channels.iter().all(|c| c.idle) {
            // All idle: none will advance any more, so the operator flushes to the largest of them.
            let max = self.channels.iter().map(|c| c.wm).max()?;
            return (max > self.output).then(|| self.set(max));
        }
        self.advance_to_min()
    }

    fn advance_to_min(&mut self) -> Option<EventTime> {
        let min = self.channels.iter().filter(|c| c.aligned).map(|c| c.wm).min()?;
        (min > self.output).then(|| self.set(min))
    }

    fn set(&mut self, wm: EventTime) -> EventTime {
        self.output = wm;
        wm
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(ms: i64) -> EventTime {
        EventTime::from_ms(ms)
    }

    /// StatusWatermarkValve's rules, step by step: the minimum over active channels; an idle channel
    /// leaves it; one that resumes behind the output waits to catch up; all idle flushes the largest.
    #[test]
    fn the_valve_takes_the_minimum_over_aligned_channels() {
        let mut v = Valve::new(3);
        assert_eq!(v.input_watermark(0, ms(10)), None, "channels 1 and 2 are at MIN");
        assert_eq!(v.input_watermark(1, ms(5)), None);
        assert_eq!(v.input_watermark(2, ms(7)), Some(ms(5)));
        assert_eq!(v.input_status(1, true), Some(ms(7)), "the minimum went idle");
        assert_eq!(v.input_watermark(1, ms(20)), None, "an idle channel's watermark is ignored");
        assert_eq!(v.input_status(1, false), None, "active again, at 5 ms: behind the output");
        assert_eq!(v.input_watermark(2, ms(12)), Some(ms(10)), "channel 1 does not hold it back");
        assert_eq!(v.input_watermark(1, ms(11)), None, "caught up: aligned again");
        assert_eq!(v.input_watermark(0, ms(30)), Some(ms(11)), "and the minimum again");
        assert_eq!(v.input_status(2, true), None, "12 ms was not the minimum");
        assert_eq!(v.input_status(1, true), Some(ms(30)), "the minimum went idle");
        assert_eq!(v.input_status(0, true), None, "30 ms is already out");
        assert_eq!(v.watermark(), ms(30));
        let mut v = Valve::new(2);
        assert_eq!(v.input_watermark(0, ms(10)), None);
        assert_eq!(v.input_status(0, true), None, "10 ms was not the output");
        assert_eq!(v.input_status(1, true), Some(ms(10)), "all idle: the largest watermark");
    }

    /// An idle channel's watermark is ignored, not kept for later: back at 5 ms it stays out of the
    /// minimum until it passes the output. The last channel to go idle flushes the largest watermark only
    /// when it held the output; one that had not caught up does not.
    #[test]
    fn an_idle_channel_keeps_the_watermark_it_had() {
        let mut v = Valve::new(3);
        v.input_watermark(0, ms(10));
        v.input_watermark(1, ms(5));
        assert_eq!(v.input_watermark(2, ms(7)), Some(ms(5)));
        assert_eq!(v.input_status(1, true), Some(ms(7)));
        assert_eq!(v.input_watermark(1, ms(20)), None);
        assert_eq!(v.input_status(1, false), None);
        assert_eq!(v.input_watermark(0, ms(25)), None, "channel 2 is at 7 ms");
        assert_eq!(v.input_watermark(2, ms(30)), Some(ms(25)), "channel 1 is at 5 ms, not 20");
        let mut v = Valve::new(3);
        v.input_watermark(0, ms(30));
        v.input_watermark(1, ms(10));
        assert_eq!(v.input_watermark(2, ms(20)), Some(ms(10)));
        assert_eq!(v.input_status(0, true), None);
        assert_eq!(v.input_status(1, true), Some(ms(20)));
        assert_eq!(v.input_status(1, false), None, "back at 10 ms, behind 20");
        assert_eq!(v.input_status(2, true), None, "channel 1 is active, but not aligned");
        assert_eq!(v.input_status(1, true), None, "all idle, but channel 1 did not hold the output");
        assert_eq!(v.watermark(), ms(20));
    }
}
