//! A source operator's metrics: its watermark and the time it was held back by flow
//! control, reported to core's job metrics under the operator's address.

use std::rc::Rc;

/// Reports for one source operator.
pub(super) struct SourceMetrics {
    address: Rc<[usize]>,
}

impl SourceMetrics {
    /// Reports for the operator at `address`.
    pub(super) fn new(address: Rc<[usize]>) -> Self {
        SourceMetrics { address }
    }

    /// The split's watermark moved to `watermark`.
    pub(super) fn watermark(&self, watermark: i64) {
        strom_core::metrics::report_watermark(&self.address, watermark);
    }

    /// The split was held back `nanos` by flow control.
    pub(super) fn blocked(&self, nanos: u64) {
        strom_core::metrics::report_blocked(&self.address, nanos);
    }
}
