/** host:port of a service URL, for logs: the URL itself may carry a password. */
export function urlHost(url: string): string {
  try {
    const u = new URL(url);
    return u.port ? `${u.hostname}:${u.port}` : u.hostname;
  } catch {
    return "(unparseable url)";
  }
}
