// The recompute's state machine, run locally on its own definition file
// (`cargo xtask recompute --shards N`, and the sharded-run test of `cargo xtask test`).
//
// aws-local-stepfunctions interprets the Amazon States Language: states, paths, Choice, the Map
// (its distributed mode run as an inline map: see docs/recompute.md for every difference from
// the service), Retry and Catch by error name. Each Task state's resource is overridden to call
// the recompute handler in cargo xtask (POST the task's Payload to TASK_ENDPOINT), which answers
// as the Lambda integration would: `{"Payload": …}`, or an error named by its `errorType`, so the
// definition's retriers and catchers see the names the deployed function reports.
//
// Prints one JSON line: {"status": "SUCCEEDED", "output": …} or {"status": "FAILED", "error": …,
// "cause": …}, and exits non-zero when the execution failed.
import { readFileSync } from "node:fs";

// The package asks for Node.js 22 for one API, Promise.withResolvers; Node.js 20 gets it here.
Promise.withResolvers ??= function withResolvers() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

const { StateMachine } = await import("aws-local-stepfunctions");

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through cargo xtask recompute --shards)`);
  return value;
};
const definitionPath = env("DEFINITION");
const endpoint = env("TASK_ENDPOINT");
const input = JSON.parse(env("EXECUTION_INPUT"));
// DefinitionSubstitutions, as CloudFormation applies them on deploy.
const substitutions = JSON.parse(env("SUBSTITUTIONS"));
let text = readFileSync(definitionPath, "utf8");
for (const [name, value] of Object.entries(substitutions)) {
  text = text.replaceAll("${" + name + "}", value);
}
const definition = JSON.parse(text);

/** One Lambda invocation through cargo xtask: the function's answer, or its error by name. */
async function invoke(parameters) {
  const answer = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ functionName: parameters.FunctionName, payload: parameters.Payload }),
  });
  const body = await answer.json();
  if (body.errorType) {
    const error = new Error(body.errorMessage);
    error.name = body.errorType;
    throw error;
  }
  return { StatusCode: 200, Payload: body.payload };
}

const tasks = [];
const retries = {};
(function collect(states) {
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === "Task") tasks.push(name);
    if (state.Retry) retries[name] = 0; // No waiting between attempts locally.
    if (state.ItemProcessor) collect(state.ItemProcessor.States);
  }
})(definition.States);

const machine = new StateMachine(definition);
const execution = machine.run(input, {
  overrides: {
    taskResourceLocalHandlers: Object.fromEntries(tasks.map((name) => [name, invoke])),
    retryIntervalOverrides: retries,
  },
});
try {
  const output = await execution.result;
  console.log(JSON.stringify({ status: "SUCCEEDED", output }));
} catch (failure) {
  const cause = failure.cause ?? failure;
  console.log(JSON.stringify({ status: "FAILED", error: cause.name, cause: cause.message }));
  process.exitCode = 1;
}
