/** Where a recording stands among its class's recordings ("part 2 of 3"); absent for a class's only one. */
export interface RecordingPart {
  number: number;
  of: number;
}

/** The class a listed recording belongs to, as lists and tiles show it. */
export interface RecordingClassRef {
  id: string;
  title: string;
  batchId: string;
  lessonId: string | null;
  provider: string;
}
