"use strict";
// The "Basic Usage" example of aws.bedrock.AgentAgent (pulumi/pulumi-aws,
// sdk/nodejs/bedrock/agentAgent.ts), translated from TypeScript to CommonJS JavaScript: imports
// become require, nothing else changes.
const aws = require("@pulumi/aws");

const current = aws.getCallerIdentity({});
const currentGetPartition = aws.getPartition({});
const currentGetRegion = aws.getRegion({});
const exampleAgentTrust = Promise.all([current, currentGetPartition, currentGetRegion]).then(([current, currentGetPartition, currentGetRegion]) => aws.iam.getPolicyDocument({
    statements: [{
        conditions: [
            {
                test: "StringEquals",
                values: [current.accountId],
                variable: "aws:SourceAccount",
            },
            {
                test: "ArnLike",
                values: [`arn:${currentGetPartition.partition}:bedrock:${currentGetRegion.region}:${current.accountId}:agent/*`],
                variable: "AWS:SourceArn",
            },
        ],
        principals: [{
            identifiers: ["bedrock.amazonaws.com"],
            type: "Service",
        }],
        actions: ["sts:AssumeRole"],
    }],
}));
const exampleAgentPermissions = Promise.all([currentGetPartition, currentGetRegion]).then(([currentGetPartition, currentGetRegion]) => aws.iam.getPolicyDocument({
    statements: [{
        actions: ["bedrock:InvokeModel"],
        resources: [`arn:${currentGetPartition.partition}:bedrock:${currentGetRegion.region}::foundation-model/anthropic.claude-v2`],
    }],
}));
const example = new aws.iam.Role("example", {
    assumeRolePolicy: exampleAgentTrust.then(exampleAgentTrust => exampleAgentTrust.json),
    namePrefix: "AmazonBedrockExecutionRoleForAgents_",
});
const exampleRolePolicy = new aws.iam.RolePolicy("example", {
    policy: exampleAgentPermissions.then(exampleAgentPermissions => exampleAgentPermissions.json),
    role: example.id,
});
const exampleAgentAgent = new aws.bedrock.AgentAgent("example", {
    agentName: "my-agent-name",
    agentResourceRoleArn: example.arn,
    idleSessionTtlInSeconds: 500,
    instruction: "You are a friendly assistant who helps answer questions.",
    foundationModel: "anthropic.claude-v2",
});
