/**
 * Figures as a producer reads them. Money arrives in whole minor units and is formatted from the
 * integer's digits (Intl takes the decimal string exactly), never through a float.
 */
const count = new Intl.NumberFormat("en");
const date = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });
const dateTime = new Intl.DateTimeFormat("en", {
  dateStyle: "medium",
  timeStyle: "short",
  timeZone: "UTC",
});

export function integer(n: number): string {
  return count.format(n);
}

/** A share in [0, 1] as a percentage with enough digits to tell small shares apart. */
export function percent(share: number): string {
  return `${(share * 100).toFixed(share < 0.01 ? 4 : 2)}%`;
}

export function value(v: number): string {
  return v.toFixed(4);
}

export function day(iso: string): string {
  return date.format(new Date(iso));
}

export function instant(iso: string): string {
  return `${dateTime.format(new Date(iso))} UTC`;
}

/** Minor units of a two-decimal currency (all four the API pays in) as money. */
export function money(minor: number, currency: string): string {
  const digits = String(Math.abs(minor)).padStart(3, "0");
  const exact = `${minor < 0 ? "-" : ""}${digits.slice(0, -2)}.${digits.slice(-2)}`;
  const format = new Intl.NumberFormat("en", { style: "currency", currency });
  return format.format(exact as `${number}`);
}

/** An exact fraction of two decimal strings as a percentage, by integer arithmetic. */
export function exactPercent(numerator: string, denominator: string, places = 6): string {
  const den = BigInt(denominator);
  if (den === 0n) return "0%";
  const scaled = (BigInt(numerator) * 100n * 10n ** BigInt(places)) / den;
  const digits = scaled.toString().padStart(places + 1, "0");
  return `${digits.slice(0, -places)}.${digits.slice(-places)}%`;
}

export function month(period: string): string {
  const [year, m] = period.split("-");
  const when = new Date(Date.UTC(Number(year), Number(m) - 1, 1));
  return new Intl.DateTimeFormat("en", { month: "long", year: "numeric", timeZone: "UTC" }).format(
    when,
  );
}
