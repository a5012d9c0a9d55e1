// Ids of the tutorial VPC in examples/inventory.yaml, as the tests expect them in sgbridge's output.

/** Internal groups. */
export const TRUST = 'sg-0f1e2d3c4b5a69788';
export const ENFORCED = 'sg-0e2d3c4b5a6978899';
export const POD_DEFAULT = 'sg-0a9b8c7d6e5f40312';
/** The nodes' group: membership of pods without the annotation. */
export const NODE_GROUP = 'sg-0c1d2e3f405162738';
/** The tutorial's groups: `instance-sg`, `pod-sg`, and the database's. */
export const INSTANCE_SG = 'sg-12345678901234';
export const POD_SG = 'sg-98765432109876';
export const DB_SG = 'sg-0d8b7c6a5e4f30211';

export const INSTANCE = 'i-0a0b0c0d0e0f01234';
export const INSTANCE_ENI = 'eni-0123456789abcdef0';
export const RDS_ENI = 'eni-0b1c2d3e4f5061728';
export const NODE_ENI = 'eni-0c1d2e3f405162731';
