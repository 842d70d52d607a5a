#!/usr/bin/env python3
"""Builds the name pools of linkage/synth_test.go (see README.md).

Inputs (not in the repository; see README.md for how to get them):
  fakerjs.json  person name lists of @faker-js/faker 10.6.0 (MIT), dumped with dump.mjs
  Python Faker 0.9.3 (Debian python3-fake-factory, MIT) for lt_LT
The hand-written heads (the commonest names, roughly in order) come first
in each file: a name's rank is its line number.
"""
import json, sys, hashlib
sys.path.insert(0, '/usr/lib/python3/dist-packages')
from faker.providers.person.lt_LT import Provider as LT

fj = json.load(open(sys.argv[1] if len(sys.argv) > 1 else 'fakerjs.json'))

def uk_latin(s):
    """Ukrainian national transliteration (Cabinet of Ministers resolution 55, 2010)."""
    first = {'є': 'ye', 'ї': 'yi', 'й': 'y', 'ю': 'yu', 'я': 'ya'}
    rest = {'а': 'a', 'б': 'b', 'в': 'v', 'г': 'h', 'ґ': 'g', 'д': 'd', 'е': 'e', 'є': 'ie', 'ж': 'zh', 'з': 'z',
            'и': 'y', 'і': 'i', 'ї': 'i', 'й': 'i', 'к': 'k', 'л': 'l', 'м': 'm', 'н': 'n', 'о': 'o', 'п': 'p',
            'р': 'r', 'с': 's', 'т': 't', 'у': 'u', 'ф': 'f', 'х': 'kh', 'ц': 'ts', 'ч': 'ch', 'ш': 'sh',
            'щ': 'shch', 'ь': '', 'ю': 'iu', 'я': 'ia', "'": '', '’': '', '-': '-'}
    out, start = [], True
    low = s.lower()
    for i, c in enumerate(low):
        if c == 'г' and i > 0 and low[i-1] == 'з':
            t = 'gh'
        else:
            t = (first if start else rest).get(c, rest.get(c, c))
        if s[i].isupper() and t:
            t = t[0].upper() + t[1:]
        out.append(t)
        start = c == '-'
    return ''.join(out)

def bg_latin(s):
    """Bulgarian streamlined system (Transliteration Act 2009)."""
    m = {'а': 'a', 'б': 'b', 'в': 'v', 'г': 'g', 'д': 'd', 'е': 'e', 'ж': 'zh', 'з': 'z', 'и': 'i', 'й': 'y',
         'к': 'k', 'л': 'l', 'м': 'm', 'н': 'n', 'о': 'o', 'п': 'p', 'р': 'r', 'с': 's', 'т': 't', 'у': 'u',
         'ф': 'f', 'х': 'h', 'ц': 'ts', 'ч': 'ch', 'ш': 'sh', 'щ': 'sht', 'ъ': 'a', 'ь': 'y', 'ю': 'yu', 'я': 'ya'}
    low = s.lower()
    out = []
    for i, c in enumerate(low):
        t = 'a' if c == 'я' and i == len(low) - 1 and i > 0 and low[i-1] == 'и' else m.get(c, c)
        if s[i].isupper() and t:
            t = t[0].upper() + t[1:]
        out.append(t)
    return ''.join(out)

def order(head, tail):
    """The head in its order, then the rest of tail in a fixed pseudo-random order."""
    seen, out = set(), []
    for x in head:
        if x not in seen:
            seen.add(x); out.append(x)
    rest = sorted({x for x in tail if x not in seen}, key=lambda x: hashlib.sha256(x.encode()).hexdigest())
    return out + rest

def write(name, rows):
    with open(name, 'w') as f:
        for r in rows:
            f.write((r if isinstance(r, str) else '|'.join(r)) + '\n')

def clean(xs):
    return [x.strip() for x in xs if x.strip() and '-' not in x.strip()]

# Romania
write('ROU_female.txt', order(['Maria', 'Elena', 'Ioana', 'Andreea', 'Mihaela', 'Alexandra', 'Cristina', 'Ștefania', 'Mădălina', 'Florentina', 'Georgiana', 'Denisa', 'Alina', 'Roxana'], clean(fj['ro:first_name.female'])))
write('ROU_male.txt', order(['Ion', 'Mihai', 'Andrei', 'Gheorghe', 'Constantin', 'Ștefan', 'Florin', 'Răzvan', 'Marius', 'Cătălin'], clean(fj['ro:first_name.male'])))
write('ROU_family.txt', order(['Popescu', 'Ionescu', 'Popa', 'Dumitrescu', 'Stan', 'Stoica', 'Gheorghiu', 'Munteanu', 'Constantinescu', 'Dinu', 'Lungu', 'Țăranu', 'Bălan', 'Năstase', 'Mureșan', 'Rădulescu', 'Enache', 'Vasile', 'Zamfir', 'Dobre'], clean(fj['ro:last_name.generic'])))

# Nigeria (Edo State first: most Nigerian victims identified in Europe come from it)
write('NGA_female.txt', order(['Blessing', 'Joy', 'Favour', 'Precious', 'Mercy', 'Gift', 'Esther', 'Peace', 'Happiness', 'Faith', 'Patience', 'Osas', 'Efe', 'Ivie', 'Osaretin', 'Omosede'], clean(fj['en_NG:first_name.female'] + fj['yo_NG:first_name.female'])))
write('NGA_male.txt', order(['Emmanuel', 'Samuel', 'Osagie', 'Friday', 'Sunday', 'Kingsley'], clean(fj['en_NG:first_name.male'] + fj['yo_NG:first_name.male'])))
write('NGA_family.txt', order(['Okafor', 'Okonkwo', 'Adeyemi', 'Eze', 'Obi', 'Nwosu', 'Osagie', 'Igbinedion', 'Omoregie', 'Edosomwan', 'Osaro', 'Ehigiator', 'Aigbe', 'Iyamu', 'Ogbeide', 'Uwaifo', 'Enabulele', 'Obasuyi', 'Idahosa', 'Agbonifo'], clean(fj['en_NG:last_name.generic'] + fj['yo_NG:last_name.generic'])))

# Viet Nam: given names (often two syllables); family names keep their published shares (synth_test.go)
write('VNM_female.txt', order(['Lan', 'Hương', 'Mai', 'Linh', 'Thảo', 'Hoa', 'Ngọc', 'Anh', 'Trang', 'Hạnh', 'Huyền', 'Nhung', 'Phương', 'Thu', 'Yến'], clean(fj['vi:first_name.female'])))
write('VNM_male.txt', order(['Minh', 'Tuấn', 'Hùng', 'Dũng', 'Nam', 'Đức', 'Long'], clean(fj['vi:first_name.male'])))

# Ukraine: Cyrillic and the national Latin form; family names male|latin|female|latin
def pairs(xs, f):
    return [(x, f(x)) for x in xs]
write('UKR_female.txt', pairs(order(['Оксана', 'Олена', 'Юлія', 'Наталія', 'Ірина', 'Тетяна'], clean(fj['uk:first_name.female'])), uk_latin))
write('UKR_male.txt', pairs(order(['Андрій', 'Олександр', 'Дмитро', 'Сергій'], clean(fj['uk:first_name.male'])), uk_latin))
fem = {}
for m, f in zip(fj['uk:last_name.male'], fj['uk:last_name.female']):
    fem[m] = f
fam = order(['Шевченко', 'Коваленко', 'Бондаренко', 'Ткаченко', 'Мельник', 'Кравченко', 'Олійник'], clean(fj['uk:last_name.male']))
write('UKR_family.txt', [(m, uk_latin(m), fem.get(m, m), uk_latin(fem.get(m, m))) for m in fam])

# Brazil
write('BRA_female.txt', order(['Ana', 'Maria', 'Juliana', 'Fernanda', 'Camila', 'Letícia', 'Patrícia', 'Gabriela'], clean(fj['pt_BR:first_name.female'])))
write('BRA_male.txt', order(['João', 'Lucas', 'Thiago', 'Rafael'], clean(fj['pt_BR:first_name.male'])))
write('BRA_family.txt', order(['da Silva', 'dos Santos', 'Oliveira', 'de Souza', 'Rodrigues', 'Ferreira', 'Alves', 'Pereira', 'Lima', 'Gomes', 'da Costa', 'Ribeiro'], clean(fj['pt_BR:last_name.generic'])))

# Lithuania: Faker's first names split by ending (Lithuanian male names end in -s)
ltf = [x for x in LT.first_names if not x.endswith('s')]
ltm = [x for x in LT.first_names if x.endswith('s')]
write('LTU_female.txt', order(['Rūta', 'Eglė', 'Jurgita', 'Ieva', 'Aušra'], ltf))
write('LTU_male.txt', order(['Tomas', 'Mindaugas', 'Darius', 'Žydrūnas', 'Andrius', 'Giedrius', 'Vytautas'], ltm))
write('LTU_family.txt', order(['Kazlauskas', 'Jankauskas', 'Petrauskas', 'Stankevičius', 'Vasiliauskas', 'Žukauskas', 'Butkus', 'Paulauskas', 'Urbonas', 'Kavaliauskas'], [x for x in LT.last_names if x != 'Vsiliauskas']))

# Hand-written pools (no suitable list in the sources): Bulgaria, Thailand (Latin passport forms), Albania
bgf = ['Мария', 'Иванка', 'Елена', 'Йорданка', 'Десислава', 'Цветелина', 'Гергана', 'Радостина', 'Пенка', 'Николина', 'Даниела', 'Петя', 'Виктория', 'Снежана', 'Валентина', 'Антоанета', 'Красимира', 'Силвия', 'Милена', 'Теодора', 'Ралица', 'Надежда', 'Галина', 'Стефка', 'Росица', 'Анелия', 'Борислава', 'Калина', 'Невена', 'Весела']
bgm = ['Георги', 'Иван', 'Димитър', 'Николай', 'Христо', 'Петър', 'Стефан', 'Тодор', 'Ангел', 'Васил', 'Стоян', 'Кирил', 'Любомир', 'Красимир', 'Пламен']
bgfam = ['Иванов', 'Георгиев', 'Димитров', 'Петров', 'Николов', 'Христов', 'Стоянов', 'Тодоров', 'Йорданов', 'Илиев', 'Василев', 'Атанасов', 'Петков', 'Ангелов', 'Колев', 'Марков', 'Попов', 'Костов', 'Стефанов', 'Райчев', 'Кирилов', 'Симеонов', 'Цветков', 'Митев', 'Янков', 'Русев', 'Павлов', 'Михайлов', 'Станев', 'Добрев']
write('BGR_female.txt', pairs(bgf, bg_latin))
write('BGR_male.txt', pairs(bgm, bg_latin))
write('BGR_family.txt', [(m, bg_latin(m), m + 'а', bg_latin(m + 'а')) for m in bgfam])
write('THA_female.txt', ['Siriporn', 'Malee', 'Somjit', 'Kanya', 'Ploy', 'Nok', 'Wanida', 'Sunisa', 'Pranee', 'Kannika', 'Supaporn', 'Jintana', 'Ratana', 'Pornthip', 'Nittaya', 'Wipawee', 'Duangjai', 'Sasithorn', 'Chanida', 'Kanokwan', 'Orathai', 'Pimchanok', 'Arunee', 'Boonsri', 'Lamai', 'Nanthana', 'Prapai', 'Rungnapa', 'Suda', 'Thida', 'Urai', 'Waraporn', 'Yupin', 'Amporn', 'Busaba', 'Chutima', 'Darunee', 'Jiraporn', 'Kesinee', 'Naree'])
write('THA_male.txt', ['Somchai', 'Anan', 'Prasert', 'Somsak', 'Chaiwat', 'Kittisak', 'Nattapong', 'Surachai', 'Thanakorn', 'Wichai', 'Boonchu', 'Sakda', 'Prayut', 'Niran', 'Pichai'])
write('THA_family.txt', ['Saetang', 'Srisuk', 'Wongsa', 'Chaiyaporn', 'Kongkaew', 'Boonmee', 'Thongdee', 'Suwannarat', 'Phromma', 'Jaidee', 'Sukjai', 'Rattanakorn', 'Srisawat', 'Bunnag', 'Chaisiri', 'Intharat', 'Kaewmanee', 'Khunpol', 'Panyawong', 'Phongsri', 'Ruangrit', 'Sangthong', 'Siriwat', 'Thammasak', 'Wannasiri', 'Yodkhao', 'Charoenkul', 'Detphong', 'Kasemsuk', 'Limthong', 'Saelim', 'Saeli', 'Chanthra', 'Kaewkla', 'Meesuk', 'Nakprasit', 'Onsri', 'Pongsak', 'Sombat', 'Tangsiri'])
write('ALB_female.txt', ['Ardita', 'Blerta', 'Elira', 'Jonida', 'Klea', 'Anisa', 'Albana', 'Alketa', 'Arjola', 'Besiana', 'Dorina', 'Enkeleda', 'Eriselda', 'Fatjona', 'Flutura', 'Gentiana', 'Ilda', 'Kaltrina', 'Lindita', 'Majlinda', 'Mirela', 'Rovena', 'Suela', 'Valbona', 'Vjollca', 'Xhensila', 'Zamira', 'Brikena', 'Drita', 'Entela'])
write('ALB_male.txt', ['Arben', 'Besnik', 'Dritan', 'Gentian', 'Ilir', 'Klodian', 'Erion', 'Agron', 'Altin', 'Artan', 'Bujar', 'Edmond', 'Fatmir', 'Genci', 'Kujtim', 'Luan', 'Mentor', 'Petrit', 'Shpëtim', 'Valon'])
write('ALB_family.txt', ['Hoxha', 'Shehu', 'Dervishi', 'Kola', 'Leka', 'Gjoka', 'Çela', 'Marku', 'Prifti', 'Basha', 'Berisha', 'Krasniqi', 'Gashi', 'Shala', 'Hasani', 'Morina', 'Rama', 'Bytyçi', 'Kastrati', 'Mema', 'Lika', 'Tafa', 'Duka', 'Hysa', 'Zeqiri', 'Muça', 'Kurti', 'Sula', 'Deda', 'Gjini'])
