//! What a job hands back to the driver: collected records, counts, or several of them.

use std::cell::RefCell;
use std::rc::Rc;

/// Something a job's build function returns, turned into a result after the job ran.
pub trait JobOutput {
    /// The value handed back (on every worker; only worker 0's reaches the caller).
    type Output: Send + 'static;
    /// Extracts the value once the dataflow has finished.
    fn finish(self) -> Self::Output;
}

impl JobOutput for () {
    type Output = ();
    fn finish(self) {}
}

/// Records gathered on worker 0 by [`crate::DataSet::collect`].
pub struct Collected<T> {
    pub(crate) cell: Rc<RefCell<Vec<T>>>,
}

impl<T: Send + 'static> JobOutput for Collected<T> {
    type Output = Vec<T>;
    fn finish(self) -> Vec<T> {
        std::mem::take(&mut *self.cell.borrow_mut())
    }
}

/// A record count, complete on worker 0, from [`crate::DataSet::count`].
pub struct Counted {
    pub(crate) cell: Rc<RefCell<u64>>,
}

impl JobOutput for Counted {
    type Output = u64;
    fn finish(self) -> u64 {
        *self.cell.borrow()
    }
}

macro_rules! tuple_output {
    ($($name:ident)+) => {
        impl<$($name: JobOutput),+> JobOutput for ($($name,)+) {
            type Output = ($($name::Output,)+);
            #[allow(non_snake_case)]
            fn finish(self) -> Self::Output {
                let ($($name,)+) = self;
                ($($name.finish(),)+)
            }
        }
    };
}
tuple_output!(A);
tuple_output!(A B);
tuple_output!(A B C);
tuple_output!(A B C D);

impl<T: JobOutput> JobOutput for Vec<T> {
    type Output = Vec<T::Output>;
    fn finish(self) -> Self::Output {
        self.into_iter().map(JobOutput::finish).collect()
    }
}

impl<T: JobOutput> JobOutput for Option<T> {
    type Output = Option<T::Output>;
    fn finish(self) -> Self::Output {
        self.map(JobOutput::finish)
    }
}
