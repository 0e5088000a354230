// Media queries as state: the room's layout changes at phone width, and motion is cut for
// people who asked their system for less.

import { useEffect, useState } from '../../vendor/preact.js';

/** @param {string} query @returns {boolean} whether `query` matches now (and re-draws when that changes) */
export function useMedia(query) {
  const [matches, setMatches] = useState(() => matchMedia(query).matches);
  useEffect(() => {
    const list = matchMedia(query);
    const onChange = () => setMatches(list.matches);
    list.addEventListener('change', onChange);
    onChange();
    return () => list.removeEventListener('change', onChange);
  }, [query]);
  return matches;
}

/** Whether the person asked for reduced motion (no glides, no zoom animations). */
export const reducedMotion = () => matchMedia('(prefers-reduced-motion: reduce)').matches;
