/** What `GET /api/v1/batches/{id}/room-fit` answers: how a class of the batch fits Aula's own room. */
export interface RoomFit {
  batchId: string;
  students: number;
  /** WebRTC seats of a native room (AULA_LIVE_SEATS), the instructor's included. */
  nativeSeats: number;
  /** Students past the seats, who would watch a native class's live stream a few seconds behind. */
  watchOnlyStudents: number;
}
