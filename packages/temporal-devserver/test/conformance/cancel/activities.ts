export async function cleanUp(what: string): Promise<string> {
  return `cleaned up ${what}`;
}
