//! The client's command order (WIRE.md §6.6, rules 19–20), sans-IO: which command of a
//! `commands` answer runs next, which is answered again from the record, and which waits.
//!
//! The client executes only `cmdSeq` = last executed + 1; a repeated `cmdSeq` is answered with
//! the recorded `result` and not run again; it keeps only the last `cmdSeq` and its result. A
//! command whose `expiresAt` may have passed (judged with the trusted interval's hi, rule 16) is
//! not run. An answer that is ambiguous — two commands with one `cmdSeq` or one id, or a
//! command reusing the recorded id under another `cmdSeq` — is refused whole.

use std::collections::HashSet;

use crate::command::{Command, CommandResult};
use crate::grammar::Uuid;
use crate::trusted_time::TimeInterval;

/// What to do with a `commands` answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandStep {
    /// Run this command (its `cmdSeq` is the last executed + 1) and [`CommandCursor::record`]
    /// its result.
    Run(Command),
    /// The server re-sent the last executed command (a lost `result` or `ack`): send this
    /// recorded result again, run nothing.
    AnswerAgain(CommandResult),
    /// The next command has expired (or may have): do not run it; the server marks it expired
    /// (rule 20).
    Expired(Command),
    /// Nothing to do: no command is next in order (an out-of-order or already executed one is
    /// never run).
    Wait,
}

/// An ambiguous `commands` answer, refused whole (nothing runs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OrderError {
    /// Two commands with one `cmdSeq`.
    #[error("two commands carry cmdSeq {0}")]
    DuplicateSeq(u64),
    /// Two commands with one id.
    #[error("two commands carry one id")]
    DuplicateId,
    /// A command reuses the id of the recorded command under another `cmdSeq`, or the recorded
    /// `cmdSeq` comes back with another id.
    #[error("a command id or cmdSeq is reused for a different command")]
    Reused,
}

/// The client's persisted command position: the last executed `cmdSeq`, its id and its result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandCursor {
    last: Option<(u64, Uuid, CommandResult)>,
}

impl CommandCursor {
    /// A device that has executed nothing yet (after enrollment).
    pub fn new() -> Self {
        Self::default()
    }

    /// A cursor restored from the client's state.
    pub fn restored(last_seq: u64, last_id: Uuid, last_result: CommandResult) -> Self {
        Self {
            last: Some((last_seq, last_id, last_result)),
        }
    }

    /// The last executed `cmdSeq` (0 when none).
    pub fn last_seq(&self) -> u64 {
        self.last.as_ref().map_or(0, |(seq, _, _)| *seq)
    }

    /// The recorded result of the last executed command.
    pub fn last_result(&self) -> Option<&CommandResult> {
        self.last.as_ref().map(|(_, _, result)| result)
    }

    /// The step for `commands` at the trusted time `now`.
    pub fn next(&self, commands: &[Command], now: &TimeInterval) -> Result<CommandStep, OrderError> {
        let mut seqs = HashSet::with_capacity(commands.len());
        let mut ids = HashSet::with_capacity(commands.len());
        for command in commands {
            if !seqs.insert(command.cmd_seq) {
                return Err(OrderError::DuplicateSeq(command.cmd_seq));
            }
            if !ids.insert(command.id) {
                return Err(OrderError::DuplicateId);
            }
            if let Some((seq, id, _)) = &self.last
                && (command.id == *id) != (command.cmd_seq == *seq)
            {
                return Err(OrderError::Reused);
            }
        }
        let last = self.last_seq();
        if let Some((seq, _, result)) = &self.last
            && commands.iter().any(|c| c.cmd_seq == *seq)
        {
            return Ok(CommandStep::AnswerAgain(result.clone()));
        }
        let Some(next) = commands.iter().find(|c| Some(c.cmd_seq) == last.checked_add(1)) else {
            return Ok(CommandStep::Wait);
        };
        if now.may_have_passed(next.expires_at.unix_millis()) {
            return Ok(CommandStep::Expired(next.clone()));
        }
        Ok(CommandStep::Run(next.clone()))
    }

    /// Records the result of the command just run: it becomes the last executed. A result for
    /// any other `cmdSeq` than last + 1 is ignored (returns false).
    pub fn record(&mut self, command: &Command, result: CommandResult) -> bool {
        if Some(command.cmd_seq) != self.last_seq().checked_add(1) || result.cmd_seq != command.cmd_seq {
            return false;
        }
        self.last = Some((command.cmd_seq, command.id, result));
        true
    }
}
