"use strict";
// The "Basic Usage" example of aws.datazone.Domain (pulumi/pulumi-aws, sdk/nodejs/datazone/domain.ts),
// translated from TypeScript to CommonJS JavaScript: imports become require, nothing else changes.
const aws = require("@pulumi/aws");

const domainExecutionRole = new aws.iam.Role("domain_execution_role", {
    name: "my_domain_execution_role",
    assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Action: [
                    "sts:AssumeRole",
                    "sts:TagSession",
                ],
                Effect: "Allow",
                Principal: {
                    Service: "datazone.amazonaws.com",
                },
            },
            {
                Action: [
                    "sts:AssumeRole",
                    "sts:TagSession",
                ],
                Effect: "Allow",
                Principal: {
                    Service: "cloudformation.amazonaws.com",
                },
            },
        ],
    }),
});
const domainExecutionRoleRolePolicy = new aws.iam.RolePolicy("domain_execution_role", {
    role: domainExecutionRole.name,
    policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
            Action: [
                "datazone:*",
                "ram:*",
                "sso:*",
                "kms:*",
            ],
            Effect: "Allow",
            Resource: "*",
        }],
    }),
});
const example = new aws.datazone.Domain("example", {
    name: "example",
    domainExecutionRole: domainExecutionRole.arn,
});
