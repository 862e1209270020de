export async function double(n: number): Promise<number> {
  return n * 2;
}
