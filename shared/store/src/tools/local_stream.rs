//! DynamoDB Local's change stream, read the way Lambda's event source mapping reads the real one.
//!
//! On AWS nothing here runs: each of the template's event source mappings polls the table's
//! stream, filters it (`crate::changes::StreamMapping`) and invokes `fanout`. Locally (`cargo
//! xtask dev`, and the tests that need the shared-track entries or the events), one
//! [`LocalStream`] per mapping does the same against DynamoDB Local: every shard from its oldest
//! record, records in order, the mapping's filter, and batches in the Lambda event's JSON shape.
//! A batch the handler reports failed is read again from the failed record
//! ([`LocalStream::retry_from`]), as Lambda retries it; a record that fails every retry is parked
//! and read past ([`LocalStream::skip_past`]), as the mapping sends it to its on-failure queue.
//! Behind the store's `local-stream` feature: no Lambda links it.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodbstreams::Client;
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use serde_json::{Value, json};

use crate::Store;
use crate::changes::StreamMapping;
use crate::error::StoreError;

/// Records one GetRecords call returns at most (Lambda's default batch size is 100).
const BATCH: i32 = 100;

/// A reader of one table's stream on DynamoDB Local, for one mapping.
pub struct LocalStream {
    client: Client,
    mapping: StreamMapping,
    stream_arn: String,
    /// Each known shard's next iterator (`None`: closed and read to its end).
    shards: BTreeMap<String, Option<String>>,
    /// The shard the last batch came from.
    last_shard: Option<String>,
}

impl Store {
    /// A reader of this table's stream on the DynamoDB Local at `endpoint` for `mapping`, from
    /// the oldest record it holds.
    pub async fn local_stream(
        &self,
        endpoint: &str,
        mapping: StreamMapping,
    ) -> Result<LocalStream, StoreError> {
        let stream_arn = self
            .stream_arn()
            .await?
            .ok_or_else(|| StoreError::NoStream(format!("table {} has no stream", self.table)))?;
        let config = aws_sdk_dynamodbstreams::Config::builder()
            .behavior_version(aws_sdk_dynamodbstreams::config::BehaviorVersion::latest())
            .region(aws_sdk_dynamodbstreams::config::Region::new("us-east-1"))
            .endpoint_url(endpoint)
            .credentials_provider(aws_sdk_dynamodbstreams::config::Credentials::new(
                "local", "local", None, None, "local",
            ));
        Ok(LocalStream {
            client: Client::from_conf(config.build()),
            mapping,
            stream_arn,
            shards: BTreeMap::new(),
            last_shard: None,
        })
    }
}

impl LocalStream {
    /// The mapping this reader stands for.
    pub fn mapping(&self) -> StreamMapping {
        self.mapping
    }

    /// The next records that pass the mapping's filters, in the Lambda event's shape (`{"Records": […]}`),
    /// or `None` when no shard has new records.
    pub async fn next_batch(&mut self) -> Result<Option<Value>, StoreError> {
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
                    .filter(|r| wanted(self.mapping, r))
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
    pub async fn retry_from(&mut self, sequence: &str) -> Result<(), StoreError> {
        self.move_to(ShardIteratorType::AtSequenceNumber, sequence)
            .await
    }

    /// Reads the last batch's shard on from just after the record with `sequence`: the record
    /// failed every retry and is parked (on AWS, its metadata goes to the mapping's on-failure
    /// queue; with `BisectBatchOnFunctionError` the batch is split down to that one record).
    pub async fn skip_past(&mut self, sequence: &str) -> Result<(), StoreError> {
        self.move_to(ShardIteratorType::AfterSequenceNumber, sequence)
            .await
    }

    async fn move_to(&mut self, kind: ShardIteratorType, sequence: &str) -> Result<(), StoreError> {
        let shard = self
            .last_shard
            .clone()
            .ok_or_else(|| StoreError::NoStream("no batch was read to retry".to_owned()))?;
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
    ) -> Result<(Option<String>, Vec<Value>), StoreError> {
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
                    return Err(StoreError::dynamo("GetRecords")(e));
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
    ) -> Result<Option<String>, StoreError> {
        let out = self
            .client
            .get_shard_iterator()
            .stream_arn(&self.stream_arn)
            .shard_id(shard)
            .shard_iterator_type(kind)
            .set_sequence_number(sequence.map(str::to_owned))
            .send()
            .await
            .map_err(StoreError::dynamo("GetShardIterator"))?;
        Ok(out.shard_iterator().map(str::to_owned))
    }

    /// Adds shards not seen yet, each read from its oldest record.
    async fn discover_shards(&mut self) -> Result<(), StoreError> {
        let out = self
            .client
            .describe_stream()
            .stream_arn(&self.stream_arn)
            .send()
            .await
            .map_err(StoreError::dynamo("DescribeStream"))?;
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

/// Whether a record in the Lambda event's shape passes `mapping`'s filters (what the event
/// source mapping's `FilterCriteria` does on AWS).
fn wanted(mapping: StreamMapping, event: &Value) -> bool {
    let keys = serde_json::from_value::<serde_dynamo::Item>(event["dynamodb"]["Keys"].clone())
        .unwrap_or_default();
    let name = event["eventName"].as_str().unwrap_or_default();
    mapping.wants(name, &keys)
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
