//! The time a run takes to deliver its last batch: from the driver's
//! request to publish it to the last arrival at the destination after
//! that request. What the comparison of architectures reports as the cost
//! of a scenario's faults, beside latency.

use wl1::trace::{Event, Kind};

/// The times of one run that the last batch's delivery is measured from,
/// as its events are decoded.
#[derive(Clone, Copy, Debug, Default)]
pub struct LastBatchClock {
    /// The kind of an arrival at the destination, in the run's architecture.
    arrival: Option<Kind>,
    /// The latest request to publish a batch, in simulated µs.
    requested_us: Option<u64>,
    /// The latest arrival at the destination, in simulated µs.
    arrived_us: Option<u64>,
}

impl LastBatchClock {
    /// A run starts, whose arrivals at the destination are events of
    /// `arrival`.
    pub fn start(&mut self, arrival: Kind) {
        *self = LastBatchClock { arrival: Some(arrival), ..LastBatchClock::default() };
    }

    /// Takes in the run's next event.
    #[inline]
    pub fn observe(&mut self, e: &Event) {
        if e.kind == Kind::PUBLISH_REQUESTED {
            self.requested_us = Some(e.time_us);
        } else if Some(e.kind) == self.arrival {
            self.arrived_us = Some(e.time_us);
        }
    }

    /// Simulated µs from the last request to publish to the last arrival
    /// after it; `None` if no batch was requested or nothing arrived after
    /// the last request.
    pub fn elapsed_us(&self) -> Option<u64> {
        let (requested, arrived) = (self.requested_us?, self.arrived_us?);
        arrived.checked_sub(requested)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(time_us: u64, kind: Kind) -> Event {
        Event { time_us, kind, region: 1, subject: 1, value: 0 }
    }

    #[test]
    fn the_last_batch_runs_from_its_request_to_the_last_arrival_after_it() {
        let arrival = Kind::place(9);
        let mut clock = LastBatchClock::default();
        clock.start(arrival);
        assert_eq!(clock.elapsed_us(), None, "nothing yet");
        for (time, kind) in [(0, Kind::PUBLISH_REQUESTED), (40, arrival), (100, Kind::PUBLISH_REQUESTED)] {
            clock.observe(&event(time, kind));
        }
        assert_eq!(clock.elapsed_us(), None, "nothing arrived after the last request");
        clock.observe(&event(130, arrival));
        clock.observe(&event(150, Kind::place(10)));
        clock.observe(&event(175, arrival));
        assert_eq!(clock.elapsed_us(), Some(75));
        clock.start(arrival);
        clock.observe(&event(5, arrival));
        assert_eq!(clock.elapsed_us(), None, "a new run forgets the last one");
    }
}
