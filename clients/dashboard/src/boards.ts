/**
 * The seven leaderboards BeatPass publishes, with their timeframes and the figure each ranks
 * by (`published-rules.md`; the API's `Board` schema).
 */
import type { Schemas } from "./api";

export type BoardId = Schemas["Board"]["board"];
export type Period = Schemas["Board"]["period"];
export type Entry = Schemas["Board"]["entries"][number];

export interface BoardInfo {
  id: BoardId;
  label: string;
  periods: readonly Period[];
  /** The columns beside rank and name, per period (`all` or a window). */
  figures: (period: Period) => readonly { key: keyof Entry; label: string }[];
}

const ALL_ONLY: readonly Period[] = ["all"];
const WINDOWS: readonly Period[] = ["all", "7d", "30d"];

export const BOARDS: readonly BoardInfo[] = [
  { id: "overall", label: "Overall", periods: ALL_ONLY, figures: () => [{ key: "overallScore", label: "Score" }] },
  { id: "contribution", label: "Earnings", periods: ALL_ONLY, figures: () => [] },
  {
    id: "plays",
    label: "Plays",
    periods: WINDOWS,
    figures: (p) => [p === "all" ? { key: "plays", label: "Plays" } : { key: "playsGained", label: "Plays gained" }],
  },
  { id: "uploads", label: "Uploads", periods: WINDOWS, figures: () => [{ key: "uploads", label: "Uploads" }] },
  {
    id: "collaborations",
    label: "Collaborations",
    periods: WINDOWS,
    figures: (p) => [
      { key: "collaborativeTracks", label: "Collaborative tracks" },
      { key: "distinctCollaborators", label: "Collaborators" },
      p === "all"
        ? { key: "collaborativePlays", label: "Plays" }
        : { key: "collaborativePlaysGained", label: "Plays gained" },
    ],
  },
  { id: "points", label: "XP", periods: ALL_ONLY, figures: () => [{ key: "xp", label: "XP" }] },
  {
    id: "quality",
    label: "Quality",
    periods: ALL_ONLY,
    figures: () => [
      { key: "metadataCompleteUploads", label: "Complete uploads" },
      { key: "uploads", label: "Uploads" },
    ],
  },
];

export const PERIOD_LABELS: Record<Period, string> = { all: "All time", "7d": "7 days", "30d": "30 days" };

export function boardInfo(id: string | undefined): BoardInfo {
  return BOARDS.find((b) => b.id === id) ?? (BOARDS[0] as BoardInfo);
}
