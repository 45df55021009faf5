//! French first, English switchable; follows the browser's (the OS's) language.

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Français.
    Fr,
    /// English.
    En,
}

const KEY: &str = "animov.lang";

impl Lang {
    /// The saved choice, else the OS language (French unless it is English).
    pub fn initial() -> Lang {
        let w = web_sys::window();
        let saved = w
            .as_ref()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(KEY).ok().flatten());
        let code = saved
            .or_else(|| w.and_then(|w| w.navigator().language()))
            .unwrap_or_default();
        if code.starts_with("en") {
            Lang::En
        } else {
            Lang::Fr
        }
    }

    /// Remembers the choice.
    pub fn save(self) {
        if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = s.set_item(KEY, self.code());
        }
    }

    /// `fr` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}

/// The text of `key` in `lang`.
pub fn t(lang: Lang, key: &str) -> &'static str {
    let (fr, en) = match key {
        "app.title" => ("AniMOV", "AniMOV"),
        "nav.today" => ("Aujourd'hui", "Today"),
        "nav.live" => ("En direct", "Live"),
        "nav.timeline" => ("Historique", "Timeline"),
        "nav.alerts" => ("Alertes", "Alerts"),
        "nav.review" => ("Revoir", "Review"),
        "review.title" => ("Revoir les enregistrements", "Review recordings"),
        "review.hint" => (
            "Choisissez une caméra et un jour, puis cliquez sur la bande : la vidéo part de ce moment, avec les détections dessinées (vert debout, bleu couché).",
            "Pick a camera and a day, then click the strip: the video plays from that moment, with the detections drawn (green standing, blue lying).",
        ),
        "review.day" => ("Jour", "Day"),
        "review.recorded_days" => ("Jours enregistrés :", "Days recorded:"),
        "review.strip_hint" => (
            "Gris : enregistré ; orange : part debout par quart d'heure ; rouge : alertes. Cliquez pour lire.",
            "Grey: recorded; orange: standing share per quarter hour; red: alerts. Click to play.",
        ),
        "review.no_recording" => ("Aucun enregistrement ce jour-là.", "No recording that day."),
        "review.prev_alert" => ("◀ Alerte", "◀ Alert"),
        "review.next_alert" => ("Alerte ▶", "Alert ▶"),
        "review.speed" => ("Vitesse", "Speed"),
        "review.notes" => ("Notes du jour", "Notes of the day"),
        "budget.title" => ("Temps couché par chèvre", "Lying time per goat"),
        "budget.hint" => (
            "Une ligne par chèvre suivie ; les numéros valent pour la journée, et une identité peut changer quand deux chèvres se croisent. Cliquez une période pour la voir.",
            "One row per tracked goat; numbers hold for the day, and an identity can switch when two goats cross. Click a bout to watch it.",
        ),
        "budget.day" => ("Ce jour", "This day"),
        "budget.week" => ("Moyenne des 7 jours d'avant", "Mean of the 7 days before"),
        "budget.lying" => (
            "Temps couché (toutes les chèvres suivies)",
            "Lying time (all tracked goats)",
        ),
        "budget.bouts" => ("Périodes couchées", "Lying bouts"),
        "budget.mean_bout" => ("Durée moyenne d'une période", "Mean bout length"),
        "budget.goats" => ("Chèvres suivies couchées", "Tracked goats lying"),
        "budget.csv" => ("Télécharger en CSV", "Download as CSV"),
        "review.recordings" => ("Enregistrements du jour", "Recordings of the day"),
        "review.rec_time" => ("Heure", "Time"),
        "review.rec_size" => ("Taille", "Size"),
        "review.rec_keep" => ("Conserver", "Keep"),
        "review.rec_delete" => ("Supprimer", "Delete"),
        "review.rec_delete_confirm" => (
            "Supprimer cet enregistrement et son fichier ? Cela ne peut pas être annulé.",
            "Delete this recording and its file? This cannot be undone.",
        ),
        "review.rec_hint" => (
            "Un enregistrement conservé, ou couvert par une note, n'est jamais supprimé par la rétention.",
            "A kept recording, or one a note covers, is never deleted by retention.",
        ),
        "review.note_start" => ("Début ici", "Start here"),
        "review.note_end" => ("Fin ici", "End here"),
        "review.note_save" => ("Enregistrer la note", "Save the note"),
        "review.note_update" => ("Enregistrer la modification", "Save the change"),
        "review.note_edit" => ("modifier", "edit"),
        "review.note_delete_confirm" => ("Supprimer cette note ?", "Delete this note?"),
        "review.clip" => ("Exporter l'extrait (MP4)", "Export the clip (MP4)"),
        "review.clip_short" => ("extrait", "clip"),
        "review.clip_hint" => (
            "L'extrait copie la vidéo enregistrée sans la ré-encoder : il commence à l'image clé précédant le début marqué (souvent 1 à 4 s plus tôt ; l'écart exact est indiqué).",
            "The clip copies the recorded video without re-encoding it: it starts at the keyframe before the marked start (often 1 to 4 s earlier; the exact gap is shown).",
        ),
        "review.clip_making" => ("Extrait en cours :", "Making the clip:"),
        "review.clip_download" => ("Télécharger l'extrait", "Download the clip"),
        "review.note_pick" => (
            "Lisez la vidéo et marquez le début (et la fin) de ce que vous avez vu.",
            "Play the video and mark the start (and end) of what you saw.",
        ),
        "review.boxes" => ("Détections", "Detections"),
        "review.space" => ("Lecture / pause (espace)", "Play / pause (space)"),
        "review.keys" => (
            "Clavier : espace lecture/pause, ← → 5 s, « , » « . » image par image.",
            "Keys: space play/pause, ← → 5 s, `,` `.` frame by frame.",
        ),
        "nav.models" => ("Prévisions", "Forecasts"),
        "models.hint" => (
            "Modèles de prévision de la part debout par caméra. Le modèle fourni sert tant qu'une caméra n'a pas le sien ; un nouveau modèle ne remplace l'actuel que s'il prévoit mieux les deux derniers jours.",
            "Forecast models of the standing share per camera. The bundled model serves until a camera has its own; a new model replaces the current one only if it forecasts the last two days better.",
        ),
        "models.train" => ("Entraîner un modèle", "Train a model"),
        "models.promote" => ("Mettre en service", "Promote"),
        "models.production" => ("En service", "Production"),
        "models.staging" => ("En attente", "Staging"),
        "models.archived" => ("Archivé", "Archived"),
        "models.spec" => ("Modèle", "Model"),
        "models.stage" => ("État", "Stage"),
        "models.validation" => ("Erreur (RMSE, 2 j)", "Error (RMSE, 2 d)"),
        "models.baseline" => ("Référence naïve", "Naive baseline"),
        "models.created" => ("Créé", "Created"),
        "nav.settings" => ("Réglages", "Settings"),
        "nav.about" => ("À propos", "About"),
        "nav.logout" => ("Se déconnecter", "Sign out"),
        "login.title" => ("Connexion", "Sign in"),
        "login.user" => ("Identifiant", "User name"),
        "login.password" => ("Mot de passe", "Password"),
        "login.submit" => ("Se connecter", "Sign in"),
        "common.loading" => ("Chargement…", "Loading…"),
        "common.standing" => ("Debout", "Standing"),
        "common.lying" => ("Couchées", "Lying"),
        "common.total" => ("Total vues", "Seen"),
        "common.herd" => ("Troupeau", "Herd"),
        "common.ratio" => ("Part debout", "Standing share"),
        "common.nodata" => ("Pas encore de données", "No data yet"),
        "common.save" => ("Enregistrer", "Save"),
        "common.saved" => ("Enregistré", "Saved"),
        "today.updated" => ("Mis à jour à", "Updated at"),
        "today.ratio_day" => (
            "Part debout aujourd'hui (par 15 min)",
            "Standing share today (per 15 min)",
        ),
        "today.open" => ("Voir l'historique", "Open timeline"),
        "state.live" => ("En direct", "Live"),
        "state.idle" => ("Sans image récente", "No recent frame"),
        "state.no_data" => ("Aucune donnée", "No data"),
        "live.hint" => (
            "Image analysée de chaque caméra : cadres verts = debout, bleus = couchées. Les sources sans caméra montrent leurs derniers comptages.",
            "Each camera's analysed picture: green boxes = standing, blue = lying. Sources without a camera show their latest counts.",
        ),
        "live.picture_alt" => ("Image en direct de la caméra", "Live camera picture"),
        "live.no_picture" => ("Pas encore d'image", "No picture yet"),
        "timeline.camera" => ("Caméra", "Camera"),
        "timeline.forecast" => ("Prévision part debout", "Standing share forecast"),
        "timeline.from" => ("Du", "From"),
        "timeline.to" => ("Au", "To"),
        "timeline.step" => ("Pas", "Step"),
        "timeline.compare" => ("Comparer avec le jour", "Compare with day"),
        "timeline.csv" => ("Exporter CSV", "Export CSV"),
        "timeline.png" => ("Exporter l'image", "Export picture"),
        "timeline.range" => ("min–max", "min–max"),
        "alerts.none" => ("Aucune alerte.", "No alert."),
        "alerts.hint" => (
            "Comportement anormal du troupeau ou d'une chèvre, caméra hors ligne : chaque alerte se ferme d'elle-même quand tout redevient normal.",
            "Abnormal behaviour of the herd or of one goat, camera offline: each alert closes by itself once things are back to normal.",
        ),
        "alerts.badge_title" => ("Alertes en cours", "Active alerts"),
        "alerts.filter_state" => ("État", "State"),
        "alerts.filter_camera" => ("Caméra", "Camera"),
        "alerts.all_cameras" => ("Toutes", "All"),
        "alerts.active" => ("En cours", "Active"),
        "alerts.all" => ("Toutes", "All"),
        "alerts.when" => ("Levée", "Raised"),
        "alerts.since" => ("Depuis", "Since"),
        "alerts.ended" => ("Terminée", "Ended"),
        "alerts.rule" => ("Alerte", "Alert"),
        "alerts.severity" => ("Gravité", "Severity"),
        "alerts.what" => ("Constat", "What was seen"),
        "alerts.details" => ("Détails", "Details"),
        "alerts.history" => ("Historique", "History"),
        "alerts.comment" => ("Commentaire", "Comment"),
        "alerts.ack" => ("Acquitter", "Acknowledge"),
        "alerts.resolve" => ("Clore", "Resolve"),
        "alerts.note" => ("Ajouter une note", "Add a note"),
        "alerts.back" => ("Toutes les alertes", "All alerts"),
        "alerts.by_engine" => ("AniMOV", "AniMOV"),
        "alerts.markers" => ("Alertes", "Alerts"),
        "alerts.watch" => (
            "Voir l'enregistrement à ce moment",
            "Watch the recording at that time",
        ),
        "explain.title" => ("Pourquoi cette alerte", "Why this alert"),
        "explain.seen" => ("Observé", "Seen"),
        "explain.span" => ("Durée de l'alerte", "Alert span"),
        "explain.usual" => ("Habituel", "Usual"),
        "explain.range" => ("Plage habituelle", "Usual range"),
        "explain.limit" => ("Limite d'alerte", "Alert limit"),
        "explain.smoothed" => ("Moyenne glissante", "Running average"),
        "explain.residual" => (
            "Écart à la plage habituelle :",
            "Distance from the usual range:",
        ),
        "explain.judge" => ("Cette alerte était-elle", "Was this alert"),
        "rules.title" => ("Règles d'alerte", "Alert rules"),
        "rules.on" => ("Active", "On"),
        "rules.limit" => ("Seuil", "Limit"),
        "rules.unit_goats" => ("chèvres de tolérance", "goats of tolerance"),
        "delivery.title" => ("Alertes par e-mail", "Alert email"),
        "delivery.hint" => (
            "Le serveur d'envoi se règle dans animov.toml ([email]) et son mot de passe avec « animov secret set smtp-password ».",
            "The SMTP server is set in animov.toml ([email]) and its password with `animov secret set smtp-password`.",
        ),
        "delivery.to" => ("Destinataires", "Recipients"),
        "delivery.critical_only" => ("Seulement les critiques", "Critical only"),
        "delivery.cooldown" => (
            "Pas plus d'un e-mail par alerte toutes les (min)",
            "At most one email per alert every (min)",
        ),
        "delivery.quiet" => ("Heures calmes (de – à)", "Quiet hours (from – to)"),
        "delivery.digest" => ("Résumé quotidien à (heure)", "Daily digest at (hour)"),
        "delivery.test" => ("Envoyer un test", "Send a test"),
        "delivery.sent" => ("Envoyé à", "Sent to"),
        "alerts.period" => ("(durée)", "(span)"),
        "alerts.goat" => ("Chèvre suivie n°", "Tracked goat #"),
        "nav.cameras" => ("Caméras", "Cameras"),
        "user.local" => ("Cet ordinateur", "This computer"),
        "nav.import" => ("Importer", "Import"),
        "nav.storage" => ("Stockage", "Storage"),
        "import.hint" => (
            "Les exports CSV de l'INRA (date ; Effectif couche ; Effectif debout), lus à l'heure de l'élevage. Importer deux fois le même fichier ne change rien.",
            "The INRA CSV exports (date; Effectif couche; Effectif debout), read in the farm's time. Importing the same file twice changes nothing.",
        ),
        "import.source" => ("Source (facultatif)", "Source (optional)"),
        "import.source_hint" => (
            "Par défaut cam-N pour un fichier nommé …-N.csv.",
            "By default cam-N for a file named …-N.csv.",
        ),
        "import.drop" => (
            "Déposez les fichiers ici, ou cliquez pour les choisir",
            "Drop the files here, or click to pick them",
        ),
        "import.file" => ("Fichier", "File"),
        "import.imported" => ("Importées", "Imported"),
        "import.already" => ("Déjà là", "Already there"),
        "import.refused" => ("Refusées", "Refused"),
        "import.why" => ("Pourquoi", "Why"),
        "import.line" => ("ligne", "line"),
        "storage.folder" => ("Dossier des données", "Data folder"),
        "storage.database" => ("Base de données", "Database"),
        "storage.recordings" => ("Enregistrements", "Recordings"),
        "storage.kept" => ("gardés", "kept"),
        "storage.snapshots" => ("Instantanés", "Snapshots"),
        "storage.db_size" => ("Taille de la base", "Database size"),
        "storage.logs" => ("Journaux", "Logs"),
        "storage.free" => ("Espace libre / total", "Free / total space"),
        "storage.next" => ("Prochaine suppression", "Next deletion"),
        "storage.due" => ("segments à supprimer maintenant", "segments to delete now"),
        "storage.next_one" => ("Ensuite : l'enregistrement de", "Then: the recording of"),
        "storage.nothing" => (
            "Aucun enregistrement à supprimer.",
            "No recording to delete.",
        ),
        "storage.retention" => ("Conservation des vidéos", "Keeping video"),
        "storage.days" => ("Jours de conservation", "Days kept"),
        "storage.quota" => ("Place maximale (Gio)", "Most space (GiB)"),
        "storage.numbers" => ("Indiquez des nombres.", "Give numbers."),
        "storage.applied" => (
            "Appliqué : la conservation vient de passer avec ces réglages.",
            "Applied: retention just ran with these settings.",
        ),
        "accounts.reset" => ("Nouveau mot de passe…", "New password…"),
        "accounts.reset_done" => (
            "Mot de passe changé ; ses sessions sont fermées.",
            "Password changed; their sessions are closed.",
        ),
        "accounts.own_password" => ("Mon mot de passe", "My password"),
        "accounts.current_password" => ("Mot de passe actuel", "Current password"),
        "accounts.new_password" => (
            "Nouveau mot de passe (8 caractères au moins)",
            "New password (at least 8 characters)",
        ),
        "accounts.changed" => (
            "Mot de passe changé ; vos autres sessions sont fermées.",
            "Password changed; your other sessions are closed.",
        ),
        "accounts.keys" => (
            "Clés d'accès des détecteurs externes",
            "Keys of external detectors",
        ),
        "accounts.keys_hint" => (
            "Un détecteur externe (par exemple une carte Jetson) envoie ses comptages avec une clé propre à une source.",
            "An external detector (a Jetson board, say) sends its counts with a key of its own source.",
        ),
        "accounts.label" => ("Libellé", "Label"),
        "accounts.create_key" => ("Créer une clé", "Create a key"),
        "accounts.key_once" => (
            "Copiez cette clé maintenant : elle ne sera plus jamais affichée.",
            "Copy this key now: it will never be shown again.",
        ),
        "accounts.key_example" => ("Exemple d'envoi :", "Example request:"),
        "accounts.created" => ("Créée", "Created"),
        "accounts.last_use" => ("Dernier usage", "Last use"),
        "accounts.never" => ("jamais", "never"),
        "accounts.revoke" => ("Révoquer", "Revoke"),
        "accounts.revoked" => ("Révoquée le", "Revoked"),
        "common.cancel" => ("Annuler", "Cancel"),
        "cameras.add" => ("Ajouter une caméra", "Add a camera"),
        "cameras.edit" => (
            "Nom, adresse et nombre de chèvres",
            "Name, address and herd size",
        ),
        "cameras.none" => (
            "Aucune caméra pour l'instant : ajoutez-en une.",
            "No camera yet: add one.",
        ),
        "cameras.ingest_only" => (
            "Alimentée par un détecteur externe",
            "Fed by an external detector",
        ),
        "cameras.state" => ("État", "State"),
        "cameras.fps" => ("Images/s reçues / analysées", "Frames/s in / analysed"),
        "cameras.drops" => (
            "Images perdues / reconnexions",
            "Dropped frames / reconnections",
        ),
        "cameras.recording" => ("Enregistrement", "Recording"),
        "cameras.last_error" => ("Dernier problème", "Last problem"),
        "cameras.tune" => ("Régler", "Tune"),
        "cameras.remove" => ("Retirer", "Remove"),
        "cameras.remove_confirm" => (
            "Retirer cette caméra ? Ses données sont conservées.",
            "Remove this camera? Its data is kept.",
        ),
        "cameras.source" => ("Identifiant (sans espace)", "Identifier (no spaces)"),
        "cameras.source_hint" => (
            "Lettres, chiffres, - _ . : il nomme la caméra dans les exports et l'API.",
            "Letters, digits, - _ . : it names the camera in exports and the API.",
        ),
        "cameras.address" => ("Adresse", "Address"),
        "cameras.address_hint" => (
            "rtsp://… ou http://… (caméra IP), /dev/video0 (caméra USB), le chemin d'un fichier vidéo, ou demo: (troupeau de démonstration). Le mot de passe est gardé à part et n'est jamais réaffiché.",
            "rtsp://… or http://… (IP camera), /dev/video0 (USB camera), the path of a video file, or demo: (demo herd). The password is kept apart and never shown again.",
        ),
        "cameras.herd_number" => ("Indiquez un nombre de chèvres.", "Give a number of goats."),
        "cameras.test" => ("Tester", "Test"),
        "detectors.title" => ("Détecteurs", "Detectors"),
        "detectors.classes" => ("Classes comptées", "Counted classes"),
        "detectors.classes_in_all" => ("classes en tout", "classes in all"),
        "detectors.input" => ("Format · entrée", "Format · input"),
        "detectors.origin" => ("Origine", "Origin"),
        "detectors.used_by" => ("Caméras", "Cameras"),
        "detectors.imported_by" => ("Importé par", "Imported by"),
        "detectors.bundled" => ("Fourni avec AniMOV", "Shipped with AniMOV"),
        "detectors.import" => ("Importer un détecteur", "Import a detector"),
        "detectors.import_hint" => (
            "Un export ONNX YOLOv8/YOLO11 (ou NanoDet) entraîné sur votre élevage, avec sa description JSON (classes, taille d'entrée, rôle de chaque classe : voir models/MODELS.md). Il est essayé sur des images de test avant d'être accepté.",
            "A YOLOv8/YOLO11 (or NanoDet) ONNX export trained on your barn, with its JSON description (classes, input size, role of each class: see models/MODELS.md). It is tried on test pictures before it is accepted.",
        ),
        "detectors.name" => ("Nom court (a-z, 0-9, - _)", "Short name (a-z, 0-9, - _)"),
        "detectors.model" => ("Modèle (.onnx)", "Model (.onnx)"),
        "detectors.sidecar" => ("Description (.json)", "Description (.json)"),
        "detectors.import_button" => ("Importer et vérifier", "Import and check"),
        "detectors.accepted" => (
            "Détecteur vérifié et ajouté :",
            "Detector checked and added:",
        ),
        "tune.detector" => ("Détecteur", "Detector"),
        "cameras.usb" => (
            "Ou une caméra USB de cet ordinateur",
            "Or a USB camera of this computer",
        ),
        "cameras.video_file" => (
            "Ou un fichier vidéo (copié dans le dossier des données)",
            "Or a video file (copied into the data folder)",
        ),
        "cameras.testing" => ("Test en cours…", "Testing…"),
        "cameras.save" => ("Enregistrer la caméra", "Save the camera"),
        "cstate.connecting" => ("Connexion…", "Connecting…"),
        "cstate.running" => ("En marche", "Running"),
        "cstate.reconnecting" => ("Reconnexion…", "Reconnecting…"),
        "cstate.ended" => ("Fin du fichier", "End of file"),
        "cstate.stopped" => ("Arrêtée", "Stopped"),
        "cstate.failed" => ("En échec", "Failed"),
        "tune.back" => ("← Toutes les caméras", "← All cameras"),
        "tune.hint" => (
            "Les cadres pleins sont comptés (vert debout, bleu couché) ; les pointillés sont vus mais pas comptés. Chaque réglage redessine le comptage ; « Enregistrer » l'applique à la caméra.",
            "Solid boxes are counted (green standing, blue lying); dashed ones are seen but not counted. Every change redraws the count; \"Save\" applies it to the camera.",
        ),
        "tune.proposed" => ("cadres proposés", "boxes proposed"),
        "tune.threshold" => ("Seuil de confiance", "Score threshold"),
        "tune.counted" => ("comptées", "counted"),
        "tune.calibrate_threshold" => (
            "Caler le seuil sur le nombre de chèvres (quand tout le troupeau est visible)",
            "Fit the threshold to the herd size (when the whole herd is in view)",
        ),
        "tune.min_box" => ("Plus petit cadre (pixels)", "Smallest box (pixels)"),
        "tune.tiles" => ("Découpage de l'image", "Tiling"),
        "tune.tiles_none" => ("Aucun", "None"),
        "tune.record" => ("Enregistrer la vidéo", "Record video"),
        "tune.region" => ("Zone surveillée", "Region of interest"),
        "tune.region_hint" => (
            "Cliquez « Dessiner » puis sur l'image pour poser les coins de la zone ; une chèvre compte si le bas de son cadre est dedans.",
            "Click \"Draw\" then on the picture to place the corners; a goat counts when the bottom of its box is inside.",
        ),
        "tune.draw" => ("Dessiner", "Draw"),
        "tune.undo" => ("Retirer le dernier point", "Remove the last point"),
        "tune.clear" => ("Toute l'image", "Whole picture"),
        "tune.points" => ("points", "points"),
        "tune.posture" => ("Debout ou couchée", "Standing or lying"),
        "tune.posture_hint" => (
            "Cliquez « Marquer » puis sur des cadres : un clic = debout, deux = couchée, trois = retiré. Marquez-en des deux sortes, puis « Ajuster ».",
            "Click \"Mark\" then on boxes: one click = standing, two = lying, three = unmarked. Mark some of each, then \"Fit\".",
        ),
        "tune.mark" => ("Marquer", "Mark"),
        "tune.fit" => ("Ajuster et enregistrer", "Fit and save"),
        "tune.marked" => ("cadres marqués", "boxes marked"),
        "tune.rule_aspect" => (
            "Règle par défaut : couchée si hauteur/largeur <",
            "Default rule: lying when height/width <",
        ),
        "tune.rule_fitted" => ("Règle ajustée sur", "Rule fitted on"),
        "tune.boxes" => ("cadres marqués", "marked boxes"),
        "tune.posture_saved" => (
            "Règle de posture enregistrée : les cadres ci-dessus sont classés avec elle.",
            "Posture rule saved: the boxes above are classified with it.",
        ),
        "setup.welcome" => ("Bienvenue dans AniMOV", "Welcome to AniMOV"),
        "setup.intro" => (
            "Quelques réglages pour commencer ; tout se change ensuite dans Réglages.",
            "A few settings to start; everything can be changed later in Settings.",
        ),
        "setup.farm" => ("Nom de l'élevage", "Farm name"),
        "setup.time_zone" => ("Fuseau horaire", "Time zone"),
        "setup.detected" => ("Détecté sur cet ordinateur :", "Detected on this computer:"),
        "setup.admin" => (
            "Compte administrateur (facultatif)",
            "Admin account (optional)",
        ),
        "setup.admin_hint" => (
            "Utile seulement pour vous connecter depuis un autre ordinateur ou un téléphone, ou pour créer des comptes vétérinaires. Cette fenêtre n'en a pas besoin.",
            "Needed only to sign in from another computer or a phone, or to create vet accounts. This window does not need it.",
        ),
        "setup.then" => ("Ensuite", "Then"),
        "setup.first_camera" => ("Ajouter ma première caméra", "Add my first camera"),
        "setup.demo" => (
            "Essayer avec le troupeau de démonstration",
            "Try the demo herd",
        ),
        "setup.demo_camera" => ("Troupeau de démonstration", "Demo herd"),
        "setup.save" => ("Commencer", "Start"),
        "settings.cameras" => ("Caméras", "Cameras"),
        "settings.name" => ("Nom", "Name"),
        "settings.herd" => ("Nombre de chèvres", "Number of goats"),
        "settings.language" => ("Langue", "Language"),
        "settings.readonly" => (
            "Seul un administrateur peut modifier les caméras.",
            "Only an admin can change cameras.",
        ),
        "settings.users" => ("Utilisateurs", "Users"),
        "settings.user" => ("Identifiant", "User name"),
        "settings.role" => ("Rôle", "Role"),
        "settings.password" => (
            "Mot de passe (8 caractères au moins)",
            "Password (at least 8 characters)",
        ),
        "settings.add" => ("Ajouter", "Add"),
        "settings.delete" => ("Supprimer", "Delete"),
        "settings.data" => ("Emplacement des données", "Data location"),
        "role.admin" => ("Administrateur", "Admin"),
        "role.operator" => ("Éleveur", "Farmer"),
        "role.vet" => ("Vétérinaire", "Vet"),
        "about.version" => ("Version", "Version"),
        "about.commit" => ("Révision", "Commit"),
        _ => ("?", "?"),
    };
    match lang {
        Lang::Fr => fr,
        Lang::En => en,
    }
}
