"""Packaging for spert_nb: every setting comes from settings.ini (nbdev 2 layout)."""
from configparser import ConfigParser
import setuptools

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']

requirements = cfg.get('requirements', '').split()
dev_requirements = cfg.get('dev_requirements', '').split()
console_scripts = cfg.get('console_scripts', '').split()
lib = cfg['lib_name']

setuptools.setup(
    name=lib,
    version=cfg['version'],
    description=cfg['description'],
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    author=cfg['author'],
    author_email=cfg['author_email'],
    license='Apache-2.0',
    keywords=cfg['keywords'],
    url=cfg['git_url'],
    packages=setuptools.find_packages(include=[lib, f'{lib}.*']),
    include_package_data=True,
    package_data={lib: ['demo_corpus/*.json']},
    python_requires=f">={cfg['min_python']}",
    install_requires=requirements,
    extras_require={'dev': dev_requirements, 'spacy': ['spacy>=3.5'],       # spacy: word splitter, sentencizer, component (09a-09c)
                    'onnx': ['onnx>=1.16', 'onnxscript>=0.4', 'onnxruntime>=1.17']},  # onnx: export and ONNX Runtime (09d)
    entry_points={
        'console_scripts': console_scripts,
        'nbdev': [f'{lib}={lib}._modidx:d'],
        'spacy_factories': ['spert = spert_nb.spacy_component:make_spert'],  # nlp.add_pipe("spert") (09c_spacy)
    },
    zip_safe=False,
)
