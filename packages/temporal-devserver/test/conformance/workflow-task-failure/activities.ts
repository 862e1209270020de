export async function stepA(): Promise<string> {
  return 'a';
}

export async function stepB(): Promise<string> {
  return 'b';
}
