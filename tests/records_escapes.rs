//! Record fields spelled with JSON escapes, read as `serde_json` +
//! `aws_lambda_events` read them: the smallest events that showed a bug.

use aws_lambda_events::sqs;
use lambda_zero::events;

#[path = "support/counting.rs"]
mod counting;

const ESCAPED_NUMBERS: &[u8] =
    br#"{"Records":[{"messageId":"m","receiptHandle":"r","body":"b","attributes":{
    "ApproximateReceiveCount":"\u0032",
    "SentTimestamp":"\u0031545082649183",
    "ApproximateFirstReceiveTimestamp":"\u002b18446744073709551615"}}]}"#;

/// SQS system attributes whose digits are spelled with JSON escapes
/// (`"\u0031"` is `"1"`) are the same numbers: the view parsed the raw
/// text and answered `None`.
#[test]
fn sqs_number_attributes_with_json_escapes_are_read_as_numbers() {
    let doc = br#"{"Records":[{"messageId":"m","receiptHandle":"r","body":"b","attributes":{
        "ApproximateReceiveCount":"\u0032",
        "SentTimestamp":"\u0031545082649183",
        "ApproximateFirstReceiveTimestamp":"\u002b18446744073709551615"}},
      {"messageId":"n","receiptHandle":"r","body":"b","attributes":{
        "ApproximateReceiveCount":"\u002b",
        "SentTimestamp":"1844674407370955161\u0036",
        "ApproximateFirstReceiveTimestamp":"\u0031\u002e0"}}]}"#;
    let oracle: sqs::SqsEvent = serde_json::from_slice(doc).unwrap();
    let event = events::sqs::Event::parse(doc).unwrap();
    for (m, want) in event.records().zip(&oracle.records) {
        let m = m.unwrap();
        let number = |k: &str| want.attributes[k].parse::<u64>().ok();
        assert_eq!(
            m.approximate_receive_count(),
            number("ApproximateReceiveCount")
        );
        assert_eq!(m.sent_timestamp(), number("SentTimestamp"));
        assert_eq!(
            m.approximate_first_receive_timestamp(),
            number("ApproximateFirstReceiveTimestamp")
        );
    }
    let first = event.records().next().unwrap().unwrap();
    assert_eq!(first.approximate_receive_count(), Some(2));
    assert_eq!(first.sent_timestamp(), Some(1_545_082_649_183));
    assert_eq!(first.approximate_first_receive_timestamp(), Some(u64::MAX));
}

/// The escaped path reads the number without allocating.
#[test]
fn sqs_number_attributes_with_json_escapes_allocate_nothing() {
    let event = events::sqs::Event::parse(ESCAPED_NUMBERS).unwrap();
    let m = event.records().next().unwrap().unwrap();
    let (n, numbers) = counting::counted(move || {
        let before = counting::allocations();
        let numbers = (
            m.approximate_receive_count(),
            m.sent_timestamp(),
            m.approximate_first_receive_timestamp(),
        );
        (counting::allocations() - before, numbers)
    });
    assert_eq!(n, 0);
    assert_eq!(numbers, (Some(2), Some(1_545_082_649_183), Some(u64::MAX)));
}
