//! Comprende's send/result protocol as a small trait.
//!
//! Python drives a generator with `send(value)` and reads its `return`
//! value through `StopIteration`; here a coroutine is resumed with a value
//! and answers [`Step::Yielded`] or [`Step::Complete`]. The library's own
//! two-step protocols (the dh2/dh3 handshakes) are typestate types instead
//! (`aiootp_asym::dh3`); this trait is for users' pipelines.

/// What a coroutine did with a resume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step<Y, R> {
    /// `yield y`.
    Yielded(Y),
    /// `return r`: the coroutine is finished.
    Complete(R),
}

impl<Y, R> Step<Y, R> {
    /// The yielded value, if any.
    pub fn yielded(self) -> Option<Y> {
        match self {
            Self::Yielded(y) => Some(y),
            Self::Complete(_) => None,
        }
    }
}

/// A resumable computation (`Comprende.send` / `__call__` / `result`).
pub trait Coroutine<S> {
    /// What it yields.
    type Yield;
    /// What it returns at the end.
    type Return;

    /// Sends `sent` in (Python's first `send(None)` is a resume with the
    /// type's "nothing" value, e.g. `None` for `S = Option<T>`).
    fn resume(&mut self, sent: S) -> Step<Self::Yield, Self::Return>;

    /// `feed(iterable)`: resumes with each value, yielding until completion.
    fn feed<I: IntoIterator<Item = S>>(mut self, values: I) -> impl Iterator<Item = Self::Yield>
    where
        Self: Sized,
    {
        values
            .into_iter()
            .map_while(move |v| self.resume(v).yielded())
    }

    /// `exhaust()` + `result()`: resumes with `sent()` until it completes.
    fn run_to_completion(mut self, mut sent: impl FnMut() -> S) -> Self::Return
    where
        Self: Sized,
    {
        loop {
            if let Step::Complete(r) = self.resume(sent()) {
                return r;
            }
        }
    }
}

/// `feed_self()`: sends each yielded value back in as the next one.
pub fn feed_self<C, T: Clone>(mut co: C, first: T) -> impl Iterator<Item = T>
where
    C: Coroutine<T, Yield = T>,
{
    std::iter::successors(Some(first), move |prev| co.resume(prev.clone()).yielded())
}

/// A coroutine from a closure (`echo` is `from_fn(|x| Step::Yielded(x))`).
#[derive(Debug, Clone)]
pub struct FromFn<F>(pub F);

impl<S, Y, R, F: FnMut(S) -> Step<Y, R>> Coroutine<S> for FromFn<F> {
    type Yield = Y;
    type Return = R;

    fn resume(&mut self, sent: S) -> Step<Y, R> {
        (self.0)(sent)
    }
}
