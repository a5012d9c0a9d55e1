// Where the recorded data the tests read lives: test/fixtures/ in this repository (origin and
// licence of each folder in test/fixtures/README.md), so a clone on its own passes its tests.
import { fileURLToPath } from 'node:url';

const fixture = (path: string): string => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));

/** Real AdmissionReviews sent by kube-apiserver v1.32.13. */
export const ADMISSION_SAMPLES = fixture('admission-samples');
/** Real kube-apiserver v1.32.13 exchanges with the Calico v3.31.7 CRDs installed. */
export const KUBE_API_SAMPLES = fixture('kube-api-samples');
/** The Calico CRD schemas of the releases sgbridge supports. */
export const CALICO_CRDS = fixture('calico-crds');
/** AWS's SecurityGroupPolicy CRD and the VPC resource controller's samples. */
export const VPC_RESOURCE_CONTROLLER = fixture('vpc-resource-controller');
/** Hand-made EventBridge events of EC2 API calls (CloudTrail), as the SQS queue delivers them. */
export const AWS_EVENT_SAMPLES = fixture('aws-events');

/** One recorded AdmissionReview by file name. */
export const admissionSample = (name: string): string => `${ADMISSION_SAMPLES}/${name}`;
