/**
 * A person's name, each part isolated (<bdi>): a name written in Arabic or Hebrew keeps its own
 * direction inside a left-to-right page, and the comma or space between the parts stays between them
 * (left to the page's direction, "Haddad, سامي" would read with its parts swapped around the comma).
 */
export function PersonName({ first, last, lastFirst = false }: { first: string; last: string; lastFirst?: boolean }) {
  return lastFirst ? (
    <>
      <bdi>{last}</bdi>, <bdi>{first}</bdi>
    </>
  ) : (
    <>
      <bdi>{first}</bdi> <bdi>{last}</bdi>
    </>
  );
}
