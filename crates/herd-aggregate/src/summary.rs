//! A time bucket's summary: the smallest, largest, sum and number of its values (Datadog's
//! rollup of an interval). The store answers reads in it and the query language aggregates
//! it, so one type serves both, and a read is handed from one to the other without a copy.

/// One aligned time bucket of a float series, from raw points or from rollups.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// The bucket's start, a multiple of the step, in milliseconds since the epoch.
    pub start_ms: i64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Sum of the values.
    pub sum: f64,
    /// Number of values (for sketch series, of samples).
    pub count: u64,
}

impl Summary {
    /// A bucket holding one value.
    pub fn one(start_ms: i64, v: f64) -> Self {
        Self {
            start_ms,
            min: v,
            max: v,
            sum: v,
            count: 1,
        }
    }

    /// Adds another bucket's values (same start).
    pub fn merge(&mut self, other: &Summary) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = Summary {
                start_ms: self.start_ms,
                ..*other
            };
            return;
        }
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.sum += other.sum;
        self.count += other.count;
    }
}
