//! Command order on the client (WIRE.md §6.6, rules 19–20), tests named after the attacks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kavach_device::command_order::{CommandCursor, CommandStep, OrderError};
use kavach_device::grammar::{Outcome, Uuid};
use kavach_device::trusted_time::TimeInterval;
use kavach_device::{Action, Command, CommandResult, ResultData};
use kavach_jws::Timestamp;

const NOW: u64 = 1_795_460_400_000;

fn now() -> TimeInterval {
    TimeInterval {
        lo: NOW - 1_000,
        hi: Some(NOW + 1_000),
        provisional: false,
    }
}

fn command(seq: u64, id: u8, action: Action) -> Command {
    Command {
        id: Uuid::from_random_bytes([id; 16]),
        cmd_seq: seq,
        expires_at: Timestamp::from_system_time(
            std::time::UNIX_EPOCH + std::time::Duration::from_millis(NOW + 3_600_000),
        )
        .unwrap(),
        action,
    }
}

fn done(c: &Command) -> CommandResult {
    CommandResult {
        command_id: c.id,
        cmd_seq: c.cmd_seq,
        outcome: Outcome::Done,
        data: ResultData::default(),
    }
}

#[test]
fn commands_out_of_order_are_not_run() {
    let cursor = CommandCursor::new();
    let third = command(3, 3, Action::CollectInfo);
    let second = command(2, 2, Action::SyncTime);
    assert_eq!(
        cursor.next(&[third.clone(), second.clone()], &now()).unwrap(),
        CommandStep::Wait
    );
    let first = command(1, 1, Action::RotateKey);
    assert_eq!(
        cursor.next(&[third, second, first.clone()], &now()).unwrap(),
        CommandStep::Run(first)
    );
}

#[test]
fn commands_run_in_cmd_seq_order_each_once() {
    let mut cursor = CommandCursor::new();
    let list = [command(1, 1, Action::CollectInfo), command(2, 2, Action::SyncTime)];
    let CommandStep::Run(first) = cursor.next(&list, &now()).unwrap() else {
        panic!()
    };
    assert_eq!(first.cmd_seq, 1);
    assert!(cursor.record(&first, done(&first)));
    // The server re-sends command 1 until its result arrives: it is answered, not re-run.
    assert_eq!(
        cursor.next(&list, &now()).unwrap(),
        CommandStep::AnswerAgain(done(&first))
    );
    let CommandStep::Run(second) = cursor.next(&list[1..], &now()).unwrap() else {
        panic!()
    };
    assert_eq!(second.cmd_seq, 2);
    assert!(cursor.record(&second, done(&second)));
    assert_eq!(cursor.last_seq(), 2);
    // Recording anything but last + 1 is ignored.
    assert!(!cursor.record(&first, done(&first)));
    assert_eq!(cursor.last_seq(), 2);
}

#[test]
fn a_lost_commands_answer_is_re_delivered_and_answered_from_the_record() {
    let mut cursor = CommandCursor::new();
    let c = command(1, 1, Action::Deregister);
    assert_eq!(
        cursor.next(std::slice::from_ref(&c), &now()).unwrap(),
        CommandStep::Run(c.clone())
    );
    cursor.record(&c, done(&c));
    // The result's ack was lost; the next poll brings the same command again.
    let restored = CommandCursor::restored(1, c.id, done(&c));
    for cursor in [&cursor, &restored] {
        assert_eq!(
            cursor.next(std::slice::from_ref(&c), &now()).unwrap(),
            CommandStep::AnswerAgain(done(&c))
        );
    }
}

#[test]
fn the_same_command_id_twice_is_refused() {
    let cursor = CommandCursor::new();
    let a = command(1, 7, Action::CollectInfo);
    let mut b = command(2, 7, Action::RotateKey);
    assert_eq!(
        cursor.next(&[a.clone(), b.clone()], &now()).unwrap_err(),
        OrderError::DuplicateId
    );
    b.id = Uuid::from_random_bytes([8; 16]);
    b.cmd_seq = 1;
    assert_eq!(
        cursor.next(&[a.clone(), b], &now()).unwrap_err(),
        OrderError::DuplicateSeq(1)
    );
    // The recorded command's id under a new cmdSeq: refused, not run as a new command.
    let mut cursor = CommandCursor::new();
    cursor.record(&a, done(&a));
    let reused = command(2, 7, Action::RotateKey);
    assert_eq!(cursor.next(&[reused], &now()).unwrap_err(), OrderError::Reused);
}

#[test]
fn an_expired_command_is_not_run() {
    let cursor = CommandCursor::new();
    let c = command(1, 1, Action::RotateKey);
    let later = TimeInterval {
        lo: NOW + 7_200_000,
        hi: Some(NOW + 7_300_000),
        provisional: false,
    };
    assert_eq!(
        cursor.next(std::slice::from_ref(&c), &later).unwrap(),
        CommandStep::Expired(c.clone())
    );
    // With hi unknown (after a reboot, before a time sync) an expiry cannot be ruled out.
    let unknown = TimeInterval {
        lo: NOW,
        hi: None,
        provisional: false,
    };
    assert_eq!(
        cursor.next(std::slice::from_ref(&c), &unknown).unwrap(),
        CommandStep::Expired(c)
    );
}
