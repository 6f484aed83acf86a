"use strict";
// The "With Custom Encryption" example of aws.bedrock.AgentcorePolicyEngine (pulumi/pulumi-aws,
// sdk/nodejs/bedrock/agentcorePolicyEngine.ts), translated from TypeScript to CommonJS
// JavaScript: imports become require, nothing else changes.
const aws = require("@pulumi/aws");

const example = new aws.kms.Key("example", {
    description: "KMS key for Bedrock AgentCore Policy Engine",
    deletionWindowInDays: 7,
});
const exampleAgentcorePolicyEngine = new aws.bedrock.AgentcorePolicyEngine("example", {
    name: "example_policy_engine",
    description: "Policy engine for customer service agent",
    encryptionKeyArn: example.arn,
});
