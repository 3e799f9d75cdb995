export type User = {
  id: number;
  username: string;
  is_staff: boolean;
};

export type LoginInput = {
  username: string;
  password: string;
};
