/**
 * The regional repertory of employment services (D.G.R. 19 March 2012 n. 66-3576, Regione Piemonte)
 * as data. Guards, introspection and docs read it; machine bodies hold no numbers of their own.
 * Source: the D.G.R.'s annex (the repertory of services, with their durations and requirements).
 */

/** A sentence in both languages a case manager may read. */
export interface Text {
  it: string;
  en: string;
}

export type Language = keyof Text;

export type PersonServiceKey = 'A1' | 'A2' | 'A3' | 'A4' | 'A5' | 'A6';
export type EmployerServiceKey = 'B1' | 'B2' | 'B3' | 'B4';
export type ServiceKey = PersonServiceKey | EmployerServiceKey;

/** How a service is delivered. `back_office` is work done without the user present (A.6, B.4). */
export type DeliveryMode = 'individual' | 'group' | 'back_office';

export interface AccessRule {
  /** Services that must be completed before this one can start. */
  after: ServiceKey[];
  /** Services of which at least one must have started ("after or together with"). */
  afterOrWith: ServiceKey[];
  /** A signed Patto di Servizio is required. */
  pattoSigned: boolean;
  /** A.4 only: a specific individual need must be on record. */
  specificNeed: boolean;
  /** Words of the standard. */
  text: Text;
}

export interface Output {
  id: string;
  text: Text;
}

export interface ServiceStandard {
  key: ServiceKey;
  /** Code as the standard writes it: A.1 ... B.4. */
  code: string;
  name: Text;
  /** What the service is for: the seed's "finalità". */
  purpose: Text;
  /**
   * Who may deliver it: the operators of the regional network and the seed's professional
   * preconditions ("capacità minime") for the service, in short.
   */
  deliveredBy: Text;
  /** Minimum minutes per delivery mode; null = the standard sets no minimum ("varies"). */
  minMinutes: Partial<Record<DeliveryMode, number | null>>;
  /**
   * Minimum number of meetings before the service can be completed (A.4: two), read by the
   * completion guard of every service that sets it. Unset where the standard sets no count beyond
   * the chart's own: a service is active only from its first meeting and completes only from there
   * (A.2, A.3, A.5, A.6, B.2, B.3), B.1 completes on its own guard on the scouting meeting, and
   * A.1 (information) and B.4 (back-office matching) count no meetings.
   */
  minMeetings?: number;
  access: AccessRule;
  outputs: Output[];
  indicators: string[];
}

const noAccessRule = (text: Text): AccessRule => ({
  after: [],
  afterOrWith: [],
  pattoSigned: false,
  specificNeed: false,
  text,
});

export const SERVICES: Record<ServiceKey, ServiceStandard> = {
  A1: {
    key: 'A1',
    code: 'A.1',
    name: { it: 'Informazione', en: 'Information' },
    purpose: {
      it: "Sostenere l'utente nell'acquisire informazioni utili per orientarsi e promuoversi nel mercato del lavoro, e presentare i servizi offerti dalla rete regionale pubblico/privata.",
      en: 'Help the user gather the information needed to find their way and promote themselves on the labour market, and present the services of the regional public/private network.',
    },
    deliveredBy: {
      it: 'Operatori della rete regionale pubblico/privata (CPI e operatori accreditati), capaci di identificare le differenti tipologie di utente e i servizi più appropriati, e di garantire informazioni corrette e complete.',
      en: 'Operators of the regional public/private network (CPI and accredited operators), able to identify the different kinds of user and the most suitable services, and to give correct and complete information.',
    },
    minMinutes: { individual: null },
    access: noAccessRule({
      it: 'Da qualsiasi punto della rete pubblico/privata regionale',
      en: 'From any point of the regional public/private network',
    }),
    outputs: [{ id: 'referral', text: { it: 'Rinvio ad altro servizio', en: 'Referral to another service' } }],
    indicators: ['1.1'],
  },
  A2: {
    key: 'A2',
    code: 'A.2',
    name: { it: 'Accoglienza, primo filtro e presa in carico', en: 'Intake, first screening and taking charge' },
    purpose: {
      it: "Garantire all'utente la richiesta e il rilascio della DID (certificata dal CPI), l'aggiornamento della scheda anagrafico-professionale e la presa in carico con un colloquio individuale per la firma del Patto di Servizio.",
      en: 'Let the user declare their availability for work (the DID, certified by the CPI), update their registry record and be taken in charge in an individual interview that leads to signing the Patto di Servizio.',
    },
    deliveredBy: {
      it: "Operatori della rete regionale pubblico/privata (CPI e operatori accreditati), capaci di identificare gli obiettivi e interpretare i bisogni dell'utente, ipotizzare percorsi di scelta e indagarne capacità, interessi e attitudini; la certificazione della DID spetta al CPI.",
      en: "Operators of the regional public/private network (CPI and accredited operators), able to identify the user's goals and needs, sketch possible pathways and explore their abilities, interests and aptitudes; only a CPI certifies the DID.",
    },
    // A.2: group meetings at least 1 hour, individual meetings at least 30 minutes
    minMinutes: { individual: 30, group: 60 },
    access: noAccessRule({
      it: 'Da qualsiasi punto della rete o contestualmente al servizio di informazione',
      en: 'From any point of the network, or together with information (A.1)',
    }),
    outputs: [
      {
        id: 'registry',
        text: { it: 'Scheda anagrafica registrata o aggiornata su SILP', en: 'Registry record registered or updated on SILP' },
      },
      {
        id: 'did',
        text: {
          it: 'DID recepita e richiesta di certificazione inviata al CPI',
          en: 'DID received and certification requested from the CPI',
        },
      },
      {
        id: 'patto',
        text: {
          it: 'Patto di Servizio sottoscritto (o mancata firma registrata)',
          en: 'Patto di Servizio signed (or the refusal recorded)',
        },
      },
    ],
    indicators: ['2.1', '2.2'],
  },
  A3: {
    key: 'A3',
    code: 'A.3',
    name: { it: 'Orientamento professionale', en: 'Vocational guidance' },
    purpose: {
      it: "Sostenere l'utente nella costruzione di un percorso personalizzato che promuova il suo inserimento o reinserimento nel lavoro, o migliori la sua posizione nel mercato del lavoro.",
      en: 'Help the user build a personal pathway into (or back into) work, or towards a better position on the labour market.',
    },
    deliveredBy: {
      it: "Operatori della rete regionale pubblico/privata (CPI e operatori accreditati), capaci di ricostruire l'esperienza formativa e lavorativa dell'utente, negoziare con lui il percorso più idoneo e cooperare con i servizi del territorio; conoscono le metodologie di orientamento professionale.",
      en: "Operators of the regional public/private network (CPI and accredited operators), able to reconstruct the user's education and work history, agree the most suitable pathway with them and cooperate with local services; they know vocational guidance methods.",
    },
    // A.3: individual meetings of at least 1 hour
    minMinutes: { individual: 60 },
    access: {
      after: ['A2'],
      afterOrWith: [],
      pattoSigned: true,
      specificNeed: false,
      text: {
        it: 'Dopo il servizio di presa in carico e la firma del Patto di Servizio',
        en: 'After intake (A.2) and the signing of the Patto di Servizio',
      },
    },
    outputs: [
      {
        id: 'pai',
        text: { it: 'PAI sottoscritto e registrato (o mancata firma registrata)', en: 'PAI signed and recorded (or the refusal recorded)' },
      },
      {
        id: 'training',
        text: { it: 'Avvio, iscrizione e conclusione di un corso di formazione', en: 'Training course started, enrolled, completed' },
      },
    ],
    indicators: ['3.1', '3.2', '3.3', '3.4', '3.5', '3.6'],
  },
  A4: {
    key: 'A4',
    code: 'A.4',
    name: { it: 'Consulenza orientativa', en: 'Specialist vocational counselling' },
    purpose: {
      it: "Sostenere l'utente che ha bisogno di supporto per individuare il proprio obiettivo professionale, per definire il percorso personalizzato verso l'inserimento o il reinserimento nel lavoro.",
      en: 'Support a user who needs help to find their professional goal, so as to define a personal pathway into (or back into) work.',
    },
    deliveredBy: {
      it: "Operatori della rete regionale pubblico/privata (CPI e operatori accreditati), capaci di condurre un percorso di consulenza e bilancio delle competenze, rimotivare l'utente e programmare le strategie di inserimento lavorativo.",
      en: 'Operators of the regional public/private network (CPI and accredited operators), able to run a counselling and skills-assessment pathway, motivate the user again and plan how they will enter work.',
    },
    // A.4: at least two individual meetings of at least 1 hour
    minMinutes: { individual: 60 },
    minMeetings: 2,
    access: {
      after: ['A3'],
      afterOrWith: [],
      pattoSigned: true,
      specificNeed: true,
      text: {
        it: "Dopo l'orientamento di 1° livello, solo in base a specifico fabbisogno individuale",
        en: 'After first-level guidance (A.3), only on a specific individual need',
      },
    },
    outputs: [
      {
        id: 'skills_assessment',
        text: { it: 'Bilancio delle competenze e progetto professionale', en: 'Skills assessment and professional project' },
      },
      { id: 'pai_update', text: { it: 'Aggiornamento del PAI', en: 'The PAI updated' } },
    ],
    indicators: ['4.1'],
  },
  A5: {
    key: 'A5',
    code: 'A.5',
    name: { it: 'Accompagnamento al lavoro', en: 'Job-search support' },
    purpose: {
      it: "Supportare l'utente nella ricerca di un impiego e nelle attività legate all'inserimento lavorativo o al miglioramento dell'occupabilità (formazione, tirocinio, stage).",
      en: 'Support the user in looking for a job and in what goes with entering work or improving their employability (training, traineeships, work placements).',
    },
    deliveredBy: {
      it: "Operatori della rete regionale pubblico/privata (CPI e operatori accreditati), capaci di rinforzare l'autonomia dell'utente, presidiare le visite aziendali di tutoraggio e organizzare i servizi con la rete territoriale; conoscono il diritto del lavoro e le tecniche di selezione.",
      en: "Operators of the regional public/private network (CPI and accredited operators), able to strengthen the user's autonomy, follow up tutoring visits at companies and plan services with the local network; they know labour law and selection techniques.",
    },
    // A.5: individual or group meetings of at least 2 hours
    minMinutes: { individual: 120, group: 120 },
    access: {
      after: [],
      afterOrWith: ['A3', 'A4'],
      pattoSigned: true,
      specificNeed: false,
      text: {
        it: "Dopo o contestualmente all'orientamento di 1° livello o alla consulenza orientativa",
        en: 'After or together with vocational guidance (A.3) or specialist counselling (A.4)',
      },
    },
    outputs: [
      { id: 'pai_record', text: { it: 'Registrazione nel PAI', en: 'Recorded in the PAI' } },
      { id: 'traineeship', text: { it: 'Tirocini attivati', en: 'Traineeships activated' } },
    ],
    indicators: ['5.1', '5.2'],
  },
  A6: {
    key: 'A6',
    code: 'A.6',
    name: { it: 'Incontro domanda/offerta di lavoro', en: 'Job matching' },
    purpose: {
      it: "Sostenere l'incontro tra domanda e offerta di lavoro, accompagnando il lavoratore verso un impiego e rispondendo sia al bisogno di lavoro degli utenti sia alle necessità delle aziende.",
      en: "Bring labour demand and supply together: accompany the worker towards a job, answering both the users' need for work and the companies' needs.",
    },
    deliveredBy: {
      it: 'Operatori della rete regionale pubblico/privata (CPI e operatori accreditati), capaci di adattare il profilo professionale alla candidatura, programmare le strategie di inserimento e applicare tecniche di negoziazione e intermediazione.',
      en: 'Operators of the regional public/private network (CPI and accredited operators), able to fit the professional profile to the application, plan how the person will enter work and apply negotiation and intermediation techniques.',
    },
    // A.6: partly in person (individual or group), partly back office: at least 2 hours
    minMinutes: { individual: 120, group: 120, back_office: 120 },
    access: {
      after: [],
      afterOrWith: ['A3', 'A4', 'A5'],
      pattoSigned: true,
      specificNeed: false,
      text: {
        it: "Dopo o contestualmente all'orientamento, alla consulenza orientativa o all'accompagnamento al lavoro",
        en: 'After or together with guidance (A.3), counselling (A.4) or job-search support (A.5)',
      },
    },
    outputs: [
      { id: 'interview', text: { it: 'Invio a colloqui di lavoro', en: 'Sent to job interviews' } },
      { id: 'hire', text: { it: 'Inserimento al lavoro', en: 'Placed in work' } },
    ],
    indicators: ['6.1', '6.2', '6.3', '6.4'],
  },
  B1: {
    key: 'B1',
    code: 'B.1',
    name: { it: 'Promozione e scouting', en: 'Promotion and scouting' },
    purpose: {
      it: "Promuovere i servizi presso le imprese e rilevarne le richieste di prestazioni, come la consulenza e l'incontro domanda/offerta.",
      en: 'Promote the services to companies and find out what they ask for, such as consulting and job matching.',
    },
    deliveredBy: {
      it: 'Operatori della rete regionale pubblico/privata (CPI e operatori accreditati), capaci di leggere i contesti produttivi delle aziende, presentare i servizi in modo efficace e costruire relazioni di fiducia con le imprese.',
      en: "Operators of the regional public/private network (CPI and accredited operators), able to read companies' production settings, present the services effectively and build relationships of trust with companies.",
    },
    // B.1: individual meeting at the company or the office, at least 30 minutes
    minMinutes: { individual: 30 },
    access: noAccessRule({
      it: "L'impresa viene intercettata dai servizi della rete",
      en: 'The company is reached by the network',
    }),
    outputs: [
      {
        id: 'interest',
        text: { it: "Manifestazione d'interesse al servizio di incontro D/O", en: 'Interest in the matching service expressed' },
      },
      { id: 'vacancies_detected', text: { it: 'Rilevazione delle vacancies', en: 'Vacancies detected' } },
    ],
    indicators: ['7.1', '7.2'],
  },
  B2: {
    key: 'B2',
    code: 'B.2',
    name: { it: 'Informazione e accesso ai servizi', en: 'Information and access to services' },
    purpose: {
      it: "Informare l'impresa sui servizi offerti, identificarne i fabbisogni e illustrare i possibili ambiti di supporto.",
      en: 'Inform the company about the services on offer, identify its needs and explain where it can be supported.',
    },
    deliveredBy: {
      it: "Operatori della rete regionale pubblico/privata (CPI e operatori accreditati) con personale dedicato all'accoglienza, capace di identificare i fabbisogni di risorse professionali dell'impresa e i servizi più idonei.",
      en: "Operators of the regional public/private network (CPI and accredited operators) with staff dedicated to intake, able to identify the company's needs for staff and the most suitable services.",
    },
    // B.2: at the desk or by appointment, at least 30 minutes
    minMinutes: { individual: 30 },
    access: noAccessRule({
      it: 'Da qualsiasi punto della rete o contestualmente alla promozione e scouting',
      en: 'From any point of the network, or together with scouting (B.1)',
    }),
    outputs: [
      { id: 'vacancies_recorded', text: { it: 'Rilevazione delle vacancies', en: 'Vacancies recorded' } },
      {
        id: 'patto',
        text: { it: 'Patto di Servizio sottoscritto e registrato su SILP', en: 'Patto di Servizio signed and recorded on SILP' },
      },
      { id: 'action_plan', text: { it: "Apertura del Piano d'azione dell'impresa", en: "The company's action plan opened" } },
    ],
    indicators: ['8.1', '8.2', '8.3', '8.4'],
  },
  B3: {
    key: 'B3',
    code: 'B.3',
    name: { it: 'Consulenza', en: 'Consulting' },
    purpose: {
      it: "Supportare le imprese nei fabbisogni legati alla formazione, all'inserimento e alla gestione delle risorse umane.",
      en: 'Support companies in their needs for training, hiring and managing their staff.',
    },
    deliveredBy: {
      it: "Operatori della rete regionale pubblico/privata (CPI e operatori accreditati), capaci di interpretare i fabbisogni formativi e di personale dell'impresa e di analizzare e valutare i profili professionali.",
      en: "Operators of the regional public/private network (CPI and accredited operators), able to interpret the company's training and staffing needs and to analyse and assess professional profiles.",
    },
    // B.3: on request and by appointment; duration varies with the request
    minMinutes: { individual: null },
    access: {
      after: ['B2'],
      afterOrWith: [],
      pattoSigned: true,
      specificNeed: false,
      text: {
        it: 'Dopo il servizio di accoglienza e la firma del Patto di Servizio',
        en: 'After intake (B.2) and the signing of the Patto di Servizio',
      },
    },
    outputs: [
      {
        id: 'action_plan_record',
        text: { it: "Registrazione nel Piano d'azione dell'impresa", en: "Recorded in the company's action plan" },
      },
    ],
    indicators: ['9.1'],
  },
  B4: {
    key: 'B4',
    code: 'B.4',
    name: { it: 'Incontro domanda/offerta di lavoro', en: 'Job matching' },
    purpose: {
      it: 'Supportare le imprese nella preselezione e selezione dei profili professionali rispondenti ai fabbisogni espressi.',
      en: 'Support companies in pre-selecting and selecting the professional profiles that meet the needs they expressed.',
    },
    deliveredBy: {
      it: 'Operatori della rete regionale pubblico/privata (CPI e operatori accreditati), capaci di valutare i fabbisogni professionali rispetto ai profili dei candidati, gestire i rapporti con le aziende e applicare tecniche di negoziazione e intermediazione.',
      en: "Operators of the regional public/private network (CPI and accredited operators), able to assess professional needs against the candidates' profiles, manage relations with companies and apply negotiation and intermediation techniques.",
    },
    // B.4: back office; duration varies with the vacancies
    minMinutes: { back_office: null },
    access: {
      after: ['B1', 'B2'],
      afterOrWith: [],
      pattoSigned: true,
      specificNeed: false,
      text: {
        it: 'Dopo promozione e scouting, accoglienza e firma del Patto di Servizio',
        en: 'After scouting (B.1), intake (B.2) and the signing of the Patto di Servizio',
      },
    },
    outputs: [
      { id: 'candidates', text: { it: 'Invio di lavoratori a colloqui di selezione', en: 'Candidates sent to selection interviews' } },
      { id: 'hires', text: { it: 'Inserimenti lavorativi', en: 'Hires' } },
    ],
    indicators: ['10.1', '10.2', '10.3'],
  },
};

export const PERSON_SERVICES: PersonServiceKey[] = ['A1', 'A2', 'A3', 'A4', 'A5', 'A6'];
export const EMPLOYER_SERVICES: EmployerServiceKey[] = ['B1', 'B2', 'B3', 'B4'];

/**
 * The region's physical indicators ("indicatori fisici per il monitoraggio dei servizi di politica
 * attiva"): Italian labels in the seed's own words. The seed sets 2.2 and 6.4 as a count with a date
 * (the id between two lines in its table): 2.2 the users who signed the Patto and the signing date;
 * 6.4 the users placed in work with a contract and the contract's start date (6.3, the line above,
 * is the users started on job placement). 3.2 is the PAI opening date alone.
 */
export const INDICATORS: Record<string, Text> = {
  '1.1': { it: 'N° utenti che hanno fruito del servizio di informazione', en: 'Users who received the information service' },
  '2.1': { it: "N° utenti che hanno fruito dell'accoglienza", en: 'Users who received intake' },
  '2.2': {
    it: 'N° utenti che hanno firmato il Patto di servizio; data della firma del Patto',
    en: 'Users who signed the Patto di servizio; date of signing',
  },
  '3.1': {
    it: 'N° utenti colloquiati per orientamento ed elaborazione del PAI',
    en: 'Users interviewed for guidance and drawing up the PAI',
  },
  '3.2': { it: 'Data di apertura del PAI', en: 'PAI opening date' },
  '3.3': { it: 'N° utenti che non hanno firmato il PAI', en: 'Users who did not sign the PAI' },
  '3.4': { it: 'N° utenti avviati ad un corso di formazione', en: 'Users started on a training course' },
  '3.5': { it: 'N° utenti iscritti ad un corso di formazione', en: 'Users enrolled on a training course' },
  '3.6': { it: 'N° utenti che hanno concluso corso di formazione', en: 'Users who completed a training course' },
  '4.1': { it: 'N° utenti colloquiati per consulenza orientativa', en: 'Users interviewed for specialist guidance counselling' },
  '5.1': { it: 'N° utenti che hanno usufruito del servizio di accompagnamento', en: 'Users who received job-search support' },
  '5.2': { it: 'N° tirocinii attivati', en: 'Traineeships activated' },
  '6.1': { it: 'N° utenti che hanno ricevuto servizi di preselezione', en: 'Users who received pre-selection services' },
  '6.2': {
    it: 'N° utenti inviati ai colloqui di selezione [Verificare coerenza con indicatore n. 10.1]',
    en: 'Users sent to selection interviews [check consistency with indicator 10.1]',
  },
  '6.3': { it: "N° utenti avviati all'inserimento lavorativo", en: 'Users started on job placement' },
  '6.4': {
    it: 'N° utenti inseriti al lavoro (contratto); data avvio contratto',
    en: 'Users placed in work (contract); contract start date',
  },
  '7.1': { it: 'N° aziende contattate', en: 'Companies contacted' },
  '7.2': { it: 'N° aziende che hanno espresso fabbisogno di servizi', en: 'Companies that expressed a need for services' },
  '8.1': { it: "N° aziende che hanno usufruito dell'accoglienza", en: 'Companies that received intake' },
  '8.2': { it: 'N° aziende che hanno firmato il patto di servizio', en: 'Companies that signed the Patto di servizio' },
  '8.3': { it: 'N° aziende richiedenti profili', en: 'Companies requesting profiles' },
  '8.4': { it: 'N° vacancy rilevate e registrate', en: 'Vacancies detected and recorded' },
  '9.1': { it: 'N° aziende che hanno fruito del servizio di consulenza', en: 'Companies that received consulting' },
  '10.1': {
    it: 'N° candidati segnalati [Verificare coerenza con indicatore n. 6.2]',
    en: 'Candidates put forward [check consistency with indicator 6.2]',
  },
  '10.2': { it: 'N° aziende che hanno dichiarato di assumere', en: 'Companies that declared they will hire' },
  '10.3': { it: 'N° aziende che hanno assunto', en: 'Companies that hired' },
};

/**
 * Legal deadlines counted from the start of unemployment (the DID date):
 * D.Lgs. 181/2000 art. 3 as amended by D.Lgs. 297/2002.
 */
export type DeadlineGroup = 'priority' | 'other';
export const DEADLINE_GROUPS: Record<DeadlineGroup, Text> = {
  priority: {
    it: 'Adolescenti, giovani e donne in cerca di reinserimento lavorativo',
    en: 'Adolescents, young people and women seeking re-entry',
  },
  other: {
    it: 'Altri soggetti a rischio di disoccupazione di lunga durata',
    en: 'Others at risk of long-term unemployment',
  },
};

export interface LegalDeadline {
  id: 'guidance_interview' | 'measure_proposal';
  text: Text;
  /** Months from the DID date, per deadline group. */
  months: Record<DeadlineGroup, number>;
  /** The service whose delivery meets the deadline, and the fact that marks it. */
  metBy: Text;
}

export const LEGAL_DEADLINES: LegalDeadline[] = [
  {
    id: 'guidance_interview',
    text: { it: 'Colloquio di orientamento entro tre mesi', en: 'Orientation interview within three months' },
    months: { priority: 3, other: 3 },
    metBy: { it: 'Primo colloquio A.3', en: 'First A.3 session' },
  },
  {
    id: 'measure_proposal',
    text: {
      it: 'Proposta di adesione a misure di inserimento, formazione o riqualificazione',
      en: 'Proposal to join an insertion, training or re-qualification measure',
    },
    months: { priority: 4, other: 6 },
    metBy: { it: 'PAI sottoscritto (proposta di adesione a misure)', en: 'PAI signed (the proposal of measures)' },
  },
];

/** Acts the standards reserve to the Centri per l'Impiego (not delivered by accredited operators). */
export type CpiOnlyAct = 'did_certification' | 'targeted_placement' | 'mobility_list' | 'public_administration_hiring';
export const CPI_ONLY_ACTS: Record<CpiOnlyAct, { text: Text; law: string }> = {
  did_certification: {
    text: { it: 'Certificazione della DID', en: 'Certification of the DID' },
    law: 'D.Lgs. 181/2000',
  },
  targeted_placement: {
    text: {
      it: 'Collocamento mirato e liste per l’obbligo di assunzione dei disabili',
      en: 'Targeted placement and mandatory-hiring lists of disabled people',
    },
    law: 'L. 68/99',
  },
  mobility_list: {
    text: { it: 'Iscrizione alle liste di mobilità', en: 'Enrolment in the mobility lists' },
    law: 'L. 236/93',
  },
  public_administration_hiring: {
    text: { it: 'Avviamento alla pubblica amministrazione', en: 'Hiring into the public administration' },
    law: 'art. 16 L. 56/87',
  },
};

export type OperatorKind = 'cpi' | 'accredited';

/** Network partners a complex target requires the case to be integrated with. */
export type NetworkPartner =
  | 'cpi_targeted_placement'
  | 'asl'
  | 'inps'
  | 'social_services'
  | 'prefecture'
  | 'one_stop_desk'
  | 'local_associations'
  | 'sert'
  | 'uepe'
  | 'prison_treatment_area'
  | 'first_reception_centre'
  | 'proximity_services'
  | 'family_associations';

export const NETWORK_PARTNERS: Record<NetworkPartner, Text> = {
  cpi_targeted_placement: { it: 'Collocamento mirato (CPI)', en: 'Targeted placement (CPI)' },
  asl: { it: 'ASL', en: 'Local health authority (ASL)' },
  inps: { it: 'INPS', en: 'INPS' },
  social_services: { it: 'Servizi socio-assistenziali', en: 'Social services' },
  prefecture: { it: 'Prefettura', en: 'Prefecture' },
  one_stop_desk: { it: 'Sportello unico', en: 'One-stop desk' },
  local_associations: { it: "Rete dell'associazionismo locale", en: 'Local associations' },
  sert: { it: 'SERT', en: 'Addiction services (SERT)' },
  uepe: { it: 'Ufficio Esecuzione Penale Esterna', en: 'External penal execution office (UEPE)' },
  prison_treatment_area: { it: 'Direzione Area Trattamentale', en: 'Prison treatment area' },
  first_reception_centre: { it: 'Centri di Prima Accoglienza', en: 'First-reception centres' },
  proximity_services: { it: 'Servizi territoriali di prossimità', en: 'Local proximity services' },
  family_associations: { it: 'Rappresentanze di cittadini e famiglie', en: 'Family associations' },
};

export type ComplexTarget = 'disabled' | 'immigrant' | 'addiction' | 'detainee' | 'family_care_assistant';

export type OperatorRequirement = 'dedicated_operator' | 'foreign_languages' | 'cultural_mediator' | 'socio_health_specialisation';

export const OPERATOR_REQUIREMENTS: Record<OperatorRequirement, Text> = {
  dedicated_operator: {
    it: 'Operatore dedicato di comprovata esperienza pluriennale',
    en: 'Dedicated operator with proven multi-year experience',
  },
  foreign_languages: { it: 'Conoscenza lingue straniere', en: 'Foreign languages' },
  cultural_mediator: { it: 'Mediatore culturale', en: 'Cultural mediator' },
  socio_health_specialisation: { it: 'Specializzazione servizi socio-sanitari', en: 'Socio-health specialisation' },
};

export interface ComplexTargetStandard {
  name: Text;
  network: NetworkPartner[];
  operator: OperatorRequirement[];
  specialistServices: Text[];
  /** Acts of the standard reserved to the CPI for this target. */
  cpiOnlyActs: CpiOnlyAct[];
}

const workExperience: Text = {
  it: 'Percorsi di inserimento lavorativo (work experience, supported employment)',
  en: 'Work insertion pathways (work experience, supported employment)',
};

export const COMPLEX_TARGETS: Record<ComplexTarget, ComplexTargetStandard> = {
  disabled: {
    name: { it: 'Disabili', en: 'Disabled people' },
    network: ['cpi_targeted_placement', 'asl', 'inps', 'social_services'],
    operator: ['dedicated_operator'],
    specialistServices: [workExperience],
    cpiOnlyActs: ['targeted_placement'],
  },
  immigrant: {
    name: { it: 'Immigrati', en: 'Immigrants' },
    network: ['prefecture', 'one_stop_desk', 'local_associations'],
    operator: ['foreign_languages', 'cultural_mediator'],
    specialistServices: [
      { it: 'Mediazione culturale', en: 'Cultural mediation' },
      workExperience,
      { it: 'Accompagnamento al riconoscimento dei titoli', en: 'Support with recognition of qualifications' },
      { it: 'Supporto con Consolati e Questure per i permessi', en: 'Support with consulates and police for permits' },
    ],
    cpiOnlyActs: [],
  },
  addiction: {
    name: { it: 'Tossicodipendenti', en: 'People with drug addiction' },
    network: ['social_services', 'sert'],
    operator: ['dedicated_operator'],
    specialistServices: [workExperience],
    cpiOnlyActs: [],
  },
  detainee: {
    name: { it: 'Detenuti ed ex detenuti', en: 'Detainees and ex-detainees' },
    network: ['uepe', 'prison_treatment_area', 'first_reception_centre'],
    operator: ['dedicated_operator'],
    specialistServices: [workExperience],
    cpiOnlyActs: [],
  },
  family_care_assistant: {
    name: { it: 'Assistenti familiari', en: 'Family care assistants' },
    network: ['proximity_services', 'social_services', 'family_associations'],
    operator: ['dedicated_operator', 'foreign_languages', 'socio_health_specialisation'],
    specialistServices: [{ it: 'Certificazione delle competenze non formali', en: 'Certification of non-formal competences' }],
    cpiOnlyActs: [],
  },
};

/** Intercultural mediation is transversal: any service, for foreign persons with language difficulties. */
export const LANGUAGE_MEDIATION: Text = {
  it: 'Mediazione interculturale, trasversale a tutti i servizi per persone straniere con difficoltà linguistiche',
  en: 'Intercultural mediation, available to every service for foreign persons with language difficulties',
};

/** The zone of the standards' calendar: a day without a time is a day in Italy. */
export const STANDARDS_TIME_ZONE = 'Europe/Rome';

/** Plausibility bounds for recorded facts. */
export const LIMITS = {
  /** A session longer than this is a typing error, not a meeting. */
  maxSessionMinutes: 12 * 60,
  /** Clock skew tolerated between the operator's device and the service. */
  futureToleranceMs: 5 * 60 * 1000,
  /** How far after the hiring act a contract may start. */
  maxContractStartDays: 366,
  maxTextLength: 2000,
} as const;

export const serviceLabel = (key: ServiceKey, lang: Language): string => `${SERVICES[key].code} ${SERVICES[key].name[lang]}`;

const MODE_MEETINGS: Record<DeliveryMode, Text> = {
  individual: { it: 'Incontri individuali', en: 'Individual meetings' },
  group: { it: 'Incontri di gruppo', en: 'Group meetings' },
  back_office: { it: 'Lavoro in back office', en: 'Back-office work' },
};

/** Minutes as a person says them: "30 minuti", "1 ora", "2 ore". */
export function minutesText(minutes: number): Text {
  if (minutes % 60 !== 0) return { it: `${minutes} minuti`, en: `${minutes} minutes` };
  const hours = minutes / 60;
  return hours === 1 ? { it: '1 ora', en: '1 hour' } : { it: `${hours} ore`, en: `${hours} hours` };
}

/**
 * A service's minimum duration as a sentence, from `minMinutes` and `minMeetings`:
 * "Incontri individuali: almeno 30 minuti; incontri di gruppo: almeno 1 ora."
 */
export function durationText(key: ServiceKey): Text {
  const service = SERVICES[key];
  const modes = Object.entries(service.minMinutes) as [DeliveryMode, number | null][];
  const sentence = (lang: Language): string => {
    const parts = modes.map(([mode, min], i) => {
      const name = i === 0 ? MODE_MEETINGS[mode][lang] : MODE_MEETINGS[mode][lang].toLowerCase();
      const count =
        service.minMeetings && mode === 'individual'
          ? lang === 'it'
            ? ` (almeno ${service.minMeetings})`
            : ` (at least ${service.minMeetings})`
          : '';
      const each = service.minMeetings && mode === 'individual' ? (lang === 'it' ? ' ciascuno' : ' each') : '';
      const duration =
        min === null
          ? lang === 'it'
            ? 'nessuna durata minima, dipende dalla richiesta'
            : 'no minimum duration, it depends on the request'
          : `${lang === 'it' ? 'almeno' : 'at least'} ${minutesText(min)[lang]}${each}`;
      return `${name}${count}: ${duration}`;
    });
    return `${parts.join('; ')}.`;
  };
  return { it: sentence('it'), en: sentence('en') };
}

/** What a trainee reads about a service beside the diagram: the seed's words, in both languages. */
export interface ServiceAbout {
  purpose: Text;
  deliveredBy: Text;
  duration: Text;
  access: Text;
  outputs: Text[];
}

export const serviceAbout = (key: ServiceKey): ServiceAbout => ({
  purpose: SERVICES[key].purpose,
  deliveredBy: SERVICES[key].deliveredBy,
  duration: durationText(key),
  access: SERVICES[key].access.text,
  outputs: SERVICES[key].outputs.map((o) => o.text),
});
