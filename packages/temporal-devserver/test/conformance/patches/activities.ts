export async function oldStep(): Promise<string> {
  return 'old step';
}

export async function newStep(): Promise<string> {
  return 'new step';
}
