export interface CoursesTable {
  id: string;
  title: string;
  description: string;
  external_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface ChaptersTable {
  id: string;
  course_id: string;
  title: string;
  position: number;
  external_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface LessonsTable {
  id: string;
  course_id: string;
  chapter_id: string;
  title: string;
  description: string;
  position: number;
  external_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface BatchesTable {
  id: string;
  name: string;
  external_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface BatchCoursesTable {
  batch_id: string;
  course_id: string;
}

export interface EnrollmentsTable {
  batch_id: string;
  user_id: string;
  created_at: string;
}

export interface BatchInstructorsTable {
  batch_id: string;
  user_id: string;
  created_at: string;
}
