//! One flush interval's states, indexed densely by context id: the hot path finds a context's
//! state with one array read, no hashing.

use crate::state::State;
use crate::ContextId;

/// The states of the contexts that had samples in one bucket.
#[derive(Debug, Default)]
pub(crate) struct Bucket {
    /// `slot[id]` is 1 + the index of the context's state in `states`, or 0.
    slot: Vec<u32>,
    states: Vec<(ContextId, State)>,
}

impl Bucket {
    /// The state of `id`, created with `init` when the context has none yet.
    #[inline]
    pub(crate) fn state(&mut self, id: ContextId, init: impl FnOnce() -> State) -> &mut State {
        let i = id as usize;
        if i >= self.slot.len() {
            self.slot.resize(i + 1, 0);
        }
        if self.slot[i] == 0 {
            self.states.push((id, init()));
            self.slot[i] = self.states.len() as u32;
        }
        &mut self.states[self.slot[i] as usize - 1].1
    }

    /// Starts loading the state of `id`, if it has one.
    #[inline]
    pub(crate) fn prefetch(&self, id: ContextId) {
        if let Some(&slot) = self.slot.get(id as usize).filter(|&&s| s != 0) {
            crate::hint::prefetch(&self.states[slot as usize - 1]);
        }
    }

    /// Whether no context has a state here.
    pub(crate) fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// Whether `id` has a state here.
    pub(crate) fn contains(&self, id: ContextId) -> bool {
        self.slot.get(id as usize).is_some_and(|&s| s != 0)
    }

    /// Every state, in arrival order, borrowed.
    pub(crate) fn states(&self) -> impl Iterator<Item = (ContextId, &State)> {
        self.states.iter().map(|(id, state)| (*id, state))
    }

    /// Every state, in arrival order.
    pub(crate) fn into_states(self) -> Vec<(ContextId, State)> {
        self.states
    }
}
