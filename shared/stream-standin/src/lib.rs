//! A stand-in for Lambda's event source mapping on a DynamoDB table's stream, over DynamoDB
//! Local's stream.
//!
//! On AWS nothing here runs: each of the template's event source mappings polls the table's
//! stream, keeps the records its `FilterCriteria` pass and invokes the function. Locally (`cargo
//! xtask dev`, and the tests that need the shared-track entries or the events), one
//! [`LocalStream`] per mapping does the same against DynamoDB Local: every shard from its oldest
//! record, records in order, the mapping's filter patterns ([`passes`], Lambda's filter rules for
//! the forms the template uses), and batches in the Lambda event's JSON shape. A batch the
//! handler reports failed is read again from the failed record ([`LocalStream::retry_from`]), as
//! Lambda retries it; a record that fails every retry is parked and read past
//! ([`LocalStream::skip_past`]), as the mapping sends it to its on-failure queue.
//!
//! The patterns are given, not known here: the caller passes the same ones the template is
//! checked against (`store::catalog::changes::StreamMapping::patterns`). Like the other
//! stand-ins, no Lambda links this crate (`xtask/src/tidy_graph.rs`).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodbstreams::Client;
use aws_sdk_dynamodbstreams::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use serde_json::{Value, json};

/// Why the stream could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error("no batch was read to retry")]
    NothingToRetry,
    #[error("DynamoDB Streams {operation} failed: {message}")]
    Request {
        operation: &'static str,
        message: String,
    },
}

impl StreamError {
    fn of<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
        operation: &'static str,
    ) -> impl Fn(SdkError<E, R>) -> StreamError {
        move |error| StreamError::Request {
            operation,
            message: match error.as_service_error() {
                Some(service) => format!(
                    "{}: {}",
                    service.code().unwrap_or("unknown"),
                    service.message().unwrap_or_default()
                ),
                None => format!("{error:?}"),
            },
        }
    }
}

/// Records one GetRecords call returns at most (Lambda's default batch size is 100).
const BATCH: i32 = 100;

/// A reader of one table's stream on DynamoDB Local, for one event source mapping.
pub struct LocalStream {
    client: Client,
    /// The mapping's filter patterns: a record passes when any of them matches.
    patterns: Vec<Value>,
    stream_arn: String,
    /// Each known shard's next iterator (`None`: closed and read to its end).
    shards: BTreeMap<String, Option<String>>,
    /// The shard the last batch came from.
    last_shard: Option<String>,
}

impl LocalStream {
    /// A reader of the stream `stream_arn` on the DynamoDB Local at `endpoint`, passing what
    /// any of `patterns` matches, from the oldest record the stream holds.
    pub fn open(endpoint: &str, stream_arn: &str, patterns: Vec<Value>) -> Self {
        let config = aws_sdk_dynamodbstreams::Config::builder()
            .behavior_version(aws_sdk_dynamodbstreams::config::BehaviorVersion::latest())
            .region(aws_sdk_dynamodbstreams::config::Region::new("us-east-1"))
            .endpoint_url(endpoint)
            .credentials_provider(aws_sdk_dynamodbstreams::config::Credentials::new(
                "local", "local", None, None, "local",
            ));
        LocalStream {
            client: Client::from_conf(config.build()),
            patterns,
            stream_arn: stream_arn.to_owned(),
            shards: BTreeMap::new(),
            last_shard: None,
        }
    }

    /// The next records that pass the mapping's filters, in the Lambda event's shape (`{"Records": […]}`),
    /// or `None` when no shard has new records.
    pub async fn next_batch(&mut self) -> Result<Option<Value>, StreamError> {
        self.discover_shards().await?;
        let ids: Vec<String> = self.shards.keys().cloned().collect();
        for shard in ids {
            // Pages of records the filters drop (profiles, runs, plays…) are read past: only an
            // empty page means this shard has nothing new.
            while let Some(Some(iterator)) = self.shards.get(&shard).cloned() {
                let (next, read) = self.get_records(iterator).await?;
                self.shards.insert(shard.clone(), next);
                if read.is_empty() {
                    break;
                }
                let records: Vec<Value> = read
                    .into_iter()
                    .filter(|r| self.patterns.iter().any(|p| passes(p, r)))
                    .collect();
                if !records.is_empty() {
                    // One shard's records per batch, as Lambda sends them.
                    self.last_shard = Some(shard);
                    return Ok(Some(json!({ "Records": records })));
                }
            }
        }
        Ok(None)
    }

    /// Reads the last batch's shard again from the record with `sequence` (a record of that
    /// batch its handler reported failed).
    pub async fn retry_from(&mut self, sequence: &str) -> Result<(), StreamError> {
        self.move_to(ShardIteratorType::AtSequenceNumber, sequence)
            .await
    }

    /// Reads the last batch's shard on from just after the record with `sequence`: the record
    /// failed every retry and is parked (on AWS, its metadata goes to the mapping's on-failure
    /// queue; with `BisectBatchOnFunctionError` the batch is split down to that one record).
    pub async fn skip_past(&mut self, sequence: &str) -> Result<(), StreamError> {
        self.move_to(ShardIteratorType::AfterSequenceNumber, sequence)
            .await
    }

    async fn move_to(
        &mut self,
        kind: ShardIteratorType,
        sequence: &str,
    ) -> Result<(), StreamError> {
        let shard = self.last_shard.clone().ok_or(StreamError::NothingToRetry)?;
        let iterator = self.shard_iterator(&shard, kind, Some(sequence)).await?;
        self.shards.insert(shard, iterator);
        Ok(())
    }

    /// One GetRecords call: the shard's next iterator and its records in the Lambda event's shape.
    ///
    /// DynamoDB Local writes an empty map attribute into its stream records as `{}` instead of
    /// `{"M":{}}`, which the SDK refuses to read ("Union did not contain a valid variant"), and
    /// with it the whole page. The answer's body is kept with that error: it is read here as
    /// JSON, each `{}` attribute value taken for the empty map it was. The real service writes
    /// `{"M":{}}`, and Lambda, not this code, reads it on AWS.
    async fn get_records(
        &self,
        iterator: String,
    ) -> Result<(Option<String>, Vec<Value>), StreamError> {
        let sent = self
            .client
            .get_records()
            .shard_iterator(iterator)
            .limit(BATCH)
            .send()
            .await;
        match sent {
            Ok(out) => Ok((
                out.next_shard_iterator().map(str::to_owned),
                out.records()
                    .iter()
                    .map(|r| lambda_record(r, &self.stream_arn))
                    .collect(),
            )),
            Err(e) => {
                let raw = e
                    .raw_response()
                    .and_then(|r| r.body().bytes())
                    .and_then(|b| serde_json::from_slice::<Value>(b).ok())
                    .filter(|v| v.get("Records").is_some());
                let Some(mut page) = raw else {
                    return Err(StreamError::of("GetRecords")(e));
                };
                let next = page["NextShardIterator"].as_str().map(str::to_owned);
                let mut records = Vec::new();
                if let Some(list) = page["Records"].as_array_mut() {
                    for record in list.iter_mut() {
                        for image in ["Keys", "NewImage", "OldImage"] {
                            if let Some(Value::Object(item)) = record["dynamodb"].get_mut(image) {
                                item.values_mut().for_each(repair_empty_maps);
                            }
                        }
                        record["eventSourceARN"] = json!(self.stream_arn);
                        records.push(record.take());
                    }
                }
                Ok((next, records))
            }
        }
    }

    /// An iterator of `shard` of the given type (at `sequence`, for `AtSequenceNumber`).
    async fn shard_iterator(
        &self,
        shard: &str,
        kind: ShardIteratorType,
        sequence: Option<&str>,
    ) -> Result<Option<String>, StreamError> {
        let out = self
            .client
            .get_shard_iterator()
            .stream_arn(&self.stream_arn)
            .shard_id(shard)
            .shard_iterator_type(kind)
            .set_sequence_number(sequence.map(str::to_owned))
            .send()
            .await
            .map_err(StreamError::of("GetShardIterator"))?;
        Ok(out.shard_iterator().map(str::to_owned))
    }

    /// Adds shards not seen yet, each read from its oldest record.
    async fn discover_shards(&mut self) -> Result<(), StreamError> {
        let out = self
            .client
            .describe_stream()
            .stream_arn(&self.stream_arn)
            .send()
            .await
            .map_err(StreamError::of("DescribeStream"))?;
        let shards: Vec<String> = out
            .stream_description()
            .map(|d| {
                d.shards()
                    .iter()
                    .filter_map(|s| s.shard_id())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        for shard in shards {
            if self.shards.contains_key(&shard) {
                continue;
            }
            let iterator = self
                .shard_iterator(&shard, ShardIteratorType::TrimHorizon, None)
                .await?;
            self.shards.insert(shard, iterator);
        }
        Ok(())
    }
}

/// Whether `event` (a record in the Lambda event's shape) passes `pattern`, by Lambda's event
/// filtering rules for the forms a pattern here uses: an object matches field by field, and a
/// list holds the accepted values, each a literal or `{"prefix": …}`. A field the pattern names
/// must be in the record.
pub fn passes(pattern: &Value, event: &Value) -> bool {
    match pattern {
        Value::Object(fields) => fields
            .iter()
            .all(|(name, wanted)| event.get(name).is_some_and(|value| passes(wanted, value))),
        Value::Array(accepted) => accepted.iter().any(|one| match one {
            Value::Object(rule) => match rule.get("prefix") {
                Some(Value::String(prefix)) => event
                    .as_str()
                    .is_some_and(|text| text.starts_with(prefix.as_str())),
                _ => false,
            },
            literal => literal == event,
        }),
        literal => literal == event,
    }
}

/// Turns every `{}` attribute value under `value` into the empty map it stands for.
fn repair_empty_maps(value: &mut Value) {
    let Value::Object(attribute) = value else {
        return;
    };
    if attribute.is_empty() {
        attribute.insert("M".to_owned(), json!({}));
        return;
    }
    if let Some(Value::Object(map)) = attribute.get_mut("M") {
        map.values_mut().for_each(repair_empty_maps);
    }
    if let Some(Value::Array(list)) = attribute.get_mut("L") {
        list.iter_mut().for_each(repair_empty_maps);
    }
}

/// One stream record as Lambda's DynamoDB event carries it.
fn lambda_record(record: &Record, stream_arn: &str) -> Value {
    let image = |item: Option<&HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>>| {
        item.map(|i| {
            serde_json::to_value(serde_dynamo::Item::from(i.clone())).unwrap_or(Value::Null)
        })
    };
    let change = record.dynamodb();
    let mut dynamodb = json!({
        "ApproximateCreationDateTime": change
            .and_then(|c| c.approximate_creation_date_time())
            .map_or(0, |t| t.secs()),
        "Keys": image(change.and_then(|c| c.keys.as_ref())).unwrap_or_else(|| json!({})),
        "SequenceNumber": change.and_then(|c| c.sequence_number()),
        "SizeBytes": change.and_then(|c| c.size_bytes()).unwrap_or(0),
        "StreamViewType": change
            .and_then(|c| c.stream_view_type())
            .map(|v| v.as_str().to_owned()),
    });
    if let Some(new) = image(change.and_then(|c| c.new_image.as_ref())) {
        dynamodb["NewImage"] = new;
    }
    if let Some(old) = image(change.and_then(|c| c.old_image.as_ref())) {
        dynamodb["OldImage"] = old;
    }
    json!({
        "eventID": record.event_id(),
        "eventName": record.event_name().map(|n| n.as_str().to_owned()),
        "eventVersion": record.event_version(),
        "eventSource": "aws:dynamodb",
        "awsRegion": record.aws_region().unwrap_or("us-east-1"),
        "eventSourceARN": stream_arn,
        "dynamodb": dynamodb,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(event_name: &str, pk: &str, sk: &str) -> Value {
        json!({
            "eventName": event_name,
            "dynamodb": { "Keys": { "pk": { "S": pk }, "sk": { "S": sk } } },
        })
    }

    #[test]
    fn a_pattern_passes_what_lambda_would() {
        let pattern = json!({
            "eventName": ["INSERT"],
            "dynamodb": { "Keys": {
                "pk": { "S": [{ "prefix": "ITEM#" }] },
                "sk": { "S": [{ "prefix": "LOG#" }] },
            } },
        });
        assert!(passes(&pattern, &record("INSERT", "ITEM#1", "LOG#0001")));
        assert!(!passes(&pattern, &record("MODIFY", "ITEM#1", "LOG#0001")));
        assert!(!passes(&pattern, &record("INSERT", "OTHER#1", "LOG#0001")));
        assert!(!passes(&pattern, &record("INSERT", "ITEM#1", "ITEM")));
        // A field the pattern names must be there.
        assert!(!passes(&pattern, &json!({ "eventName": "INSERT" })));
        // No event-name field: every event name passes.
        let any_event = json!({ "dynamodb": { "Keys": { "pk": { "S": [{ "prefix": "O" }] } } } });
        assert!(passes(&any_event, &record("REMOVE", "OTHER#1", "X#1")));
    }
}
