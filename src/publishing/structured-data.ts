const SCRIPT_UNSAFE = /[<>&\u2028\u2029]/g;
const ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * JSON for a `<script type="application/ld+json">` element. `<`, `>` and `&` are written as \u escapes so no
 * string (a title containing "</script>", say) can close the element; U+2028/2029 are escaped for old parsers.
 * The result is still exactly the same JSON value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(SCRIPT_UNSAFE, (char) => ESCAPES[char]);
}

/** schema.org MedicalSpecialty members for the specialty names editors use. */
const SCHEMA_ORG_SPECIALTIES: Record<string, string> = {
  anesthesia: 'Anesthesia',
  anesthesiology: 'Anesthesia',
  cardiology: 'Cardiovascular',
  cardiovascular: 'Cardiovascular',
  dentistry: 'Dentistry',
  dermatology: 'Dermatologic',
  nutrition: 'DietNutrition',
  'emergency-medicine': 'Emergency',
  emergency: 'Emergency',
  endocrinology: 'Endocrine',
  gastroenterology: 'Gastroenterologic',
  genetics: 'Genetic',
  geriatrics: 'Geriatric',
  gynecology: 'Gynecologic',
  hematology: 'Hematologic',
  'infectious-disease': 'Infectious',
  'infectious-diseases': 'Infectious',
  midwifery: 'Midwifery',
  musculoskeletal: 'Musculoskeletal',
  orthopedics: 'Musculoskeletal',
  neurology: 'Neurologic',
  nursing: 'Nursing',
  obstetrics: 'Obstetric',
  oncology: 'Oncologic',
  optometry: 'Optometric',
  otolaryngology: 'Otolaryngologic',
  ent: 'Otolaryngologic',
  pathology: 'Pathology',
  pediatrics: 'Pediatric',
  pharmacy: 'PharmacySpecialty',
  pharmacology: 'PharmacySpecialty',
  physiotherapy: 'Physiotherapy',
  'physical-therapy': 'Physiotherapy',
  'plastic-surgery': 'PlasticSurgery',
  podiatry: 'Podiatric',
  'primary-care': 'PrimaryCare',
  'family-medicine': 'PrimaryCare',
  'general-practice': 'PrimaryCare',
  psychiatry: 'Psychiatric',
  'mental-health': 'Psychiatric',
  'public-health': 'PublicHealth',
  pulmonology: 'Pulmonary',
  radiology: 'Radiography',
  nephrology: 'Renal',
  rheumatology: 'Rheumatologic',
  'speech-pathology': 'SpeechPathology',
  surgery: 'Surgical',
  toxicology: 'Toxicologic',
  urology: 'Urologic',
};

/** `https://schema.org/Neurologic` for "neurology"; a named MedicalSpecialty for anything not in the list. */
export function schemaOrgSpecialty(
  specialty: string,
): string | { '@type': 'MedicalSpecialty'; name: string } {
  const member =
    SCHEMA_ORG_SPECIALTIES[
      specialty
        .trim()
        .toLowerCase()
        .replace(/[\s_]+/g, '-')
    ];
  return member ? `https://schema.org/${member}` : { '@type': 'MedicalSpecialty', name: specialty };
}
