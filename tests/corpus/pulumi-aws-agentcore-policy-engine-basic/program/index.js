"use strict";
// The "Basic Usage" example of aws.bedrock.AgentcorePolicyEngine (pulumi/pulumi-aws,
// sdk/nodejs/bedrock/agentcorePolicyEngine.ts), translated from TypeScript to CommonJS
// JavaScript: imports become require, nothing else changes.
const aws = require("@pulumi/aws");

const example = new aws.bedrock.AgentcorePolicyEngine("example", {name: "example_policy_engine"});
