/**
 * Friendly ingress names (what the stack config says) → Cloud Run API values.
 * Pure, shared by config validation and PrivateService.
 * Ingress limits where requests may come from; IAM still applies in every case.
 */
export const SERVICE_INGRESS = {
  /** Reachable from the internet — but only principals holding the invoker role get past Google's front end. */
  all: "INGRESS_TRAFFIC_ALL",
  /** Only from the project's VPC networks (and Shared VPC), plus a few Google services. */
  internal: "INGRESS_TRAFFIC_INTERNAL_ONLY",
  /** Internal, plus requests through an external Application Load Balancer. */
  "internal-and-cloud-load-balancing": "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
} as const;

export type Ingress = keyof typeof SERVICE_INGRESS;
