/**
 * What stands in for the chat (and a case's national ID hash) once a record's personal data
 * is erased or anonymised: no chat has this key, so nothing is ever told to it or found by it.
 */
export const ERASED = 'erased';
