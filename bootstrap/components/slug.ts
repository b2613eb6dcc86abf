/** "roles/run.admin" → "run-admin": a readable, unique logical-name fragment. */
export function slug(role: string): string {
  return role.replace(/^roles\//, "").replace(/[^a-zA-Z0-9]+/g, "-").toLowerCase();
}
